//===- Manifest.h - manifest.toml: what went into a run and what came out --------===//
//
// Every run directory holds a manifest.toml written by the driver when the run starts (status
// "running") and rewritten when it ends. Sections, in this order:
//
//   [ftpc]     version, mlir, libtorch, blas           what ran it
//   [run]      id, pipeline, pipeline_file, seed, threads (per process), processes (data-parallel
//              ranks, 1 for a single process), kernels ("jit" | "eager"), started_at,
//              finished_at, status ("running" | "finished" | "failed" | "stopped early"),
//              drift_override (inputs that differed from ftp.lock and ran anyway: --allow-drift)
//   [[input]]  path, role (pipeline | data | model | tokenizer | config), kind (file | folder),
//              sha256, bytes, files          a folder's sha256 is its tree hash (see Files.h)
//   [[output]] path (relative to the run directory), sha256, bytes
//   [config]   the fully resolved configuration: the compiled plan (plan.json) as a TOML table
//   [privacy]  epsilon, delta, noise_multiplier, sample_rate, steps, accountant   (when DP-SGD ran)
//   [waivers]  allow_pii: the reasons given for letting personal data through  (when any)
//
// Unlike metrics.json, the manifest is allowed to be time-dependent (started_at, finished_at).
// Input paths are absolute or relative to the run directory; `ftpc verify` resolves them so.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ftp::record {

struct ManifestFile {
  std::string path;
  std::string role;          // inputs only
  std::string kind = "file"; // "file" or "folder" (inputs only)
  std::string sha256;
  uint64_t bytes = 0;        // a folder: the sum over its files
  uint64_t files = 1;        // a folder: how many files its tree hash covers
};

struct PrivacyRecord {
  double epsilon = 0; // spent, at `delta`
  double delta = 0;
  double noiseMultiplier = 0;
  double sampleRate = 0;
  int64_t steps = 0;
  std::string accountant = "rdp";
  bool secureRng = false; // noise and sampling keyed from the OS: the run cannot be replayed
};

struct Manifest {
  // [ftpc]
  std::string ftpcVersion, mlirVersion, libtorchVersion, blas;
  // [run]
  std::string runId;
  std::string pipeline;     // the pipeline's name
  std::string pipelineFile; // as given on the command line
  int64_t seed = 0;
  int64_t threads = 0;
  int64_t processes = 1;
  std::string kernels = "eager";
  std::string startedAt, finishedAt; // RFC 3339 UTC, e.g. 2026-11-28T21:51:19Z; empty: not yet
  std::string status = "running";
  std::vector<std::string> driftOverride;

  std::vector<ManifestFile> inputs;
  std::vector<ManifestFile> outputs;

  /// The resolved configuration as JSON text (the plan). It is stored as a TOML table, so what
  /// comes back from readManifest is the same JSON value with its keys sorted and nulls left out
  /// (TOML has no null).
  std::string configJson;
  std::optional<PrivacyRecord> privacy;
  std::vector<std::string> allowPiiReasons;
};

/// The manifest as TOML text.
std::string formatManifest(const Manifest &manifest);
/// Writes `formatManifest` to `path` atomically (Files.h).
bool writeManifest(const std::string &path, const Manifest &manifest, std::string *error);
/// Parses manifest TOML; std::nullopt and `error` (with line and column) when it is not one.
std::optional<Manifest> parseManifest(const std::string &text, const std::string &name,
                                      std::string *error);
std::optional<Manifest> readManifest(const std::string &path, std::string *error);

/// Hashes one input (a file, or a folder by its tree hash, on `threads` workers) for [[input]].
std::optional<ManifestFile> hashInput(const std::string &path, const std::string &role,
                                      std::string *error, unsigned threads = 0);
/// Hashes a file of the run directory for [[output]]; `relativePath` is what the manifest records.
std::optional<ManifestFile> hashOutput(const std::string &runDir, const std::string &relativePath,
                                       std::string *error);

/// The current time as RFC 3339 UTC (for started_at / finished_at).
std::string utcTimestamp();

} // namespace ftp::record
