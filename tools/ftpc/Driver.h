//===- Driver.h - shared pieces of ftpc's subcommands ---------------------------===//
#pragma once

#include "lang/diag/Diagnostic.h"
#include "lang/diag/DiagnosticPrinters.h"
#include "lang/config/ProjectConfig.h"
#include "lang/sema/Checked.h"
#include "lang/diag/VerifyDiagnostics.h"
#include "ftp/record/Lock.h"

#include <memory>
#include <string>

namespace ftp::driver {

/// ftpc's exit codes, documented in docs/cli.md.
enum ExitCode : int {
  kExitOk = 0,
  kExitUserError = 1,     // bad input: the program, a file, an option
  kExitInternalError = 2, // a bug in ftpc
  kExitNotImplemented = 3,
};

struct DiagnosticOptions {
  std::string format = "text"; // text | json
  std::string color = "auto";  // auto | always | never
};

/// The sources, the diagnostics engine and its printer for one ftpc invocation.
class Session {
public:
  /// With `verify`, diagnostics are not printed but checked against the `expected-*` annotations
  /// of the loaded files (--verify-diagnostics); finish() then prints the mismatches instead.
  explicit Session(const DiagnosticOptions &options, bool verify = false);
  ~Session();

  lang::SourceManager &sources() { return sources_; }
  lang::DiagnosticEngine &diagnostics() { return *engine_; }

  /// Loads a file, reporting `file-not-readable` on failure.
  std::optional<uint32_t> load(const std::string &path);

  /// Flushes the printer (closes the JSON array) and returns the exit code for what was reported.
  /// When verifying: 0 when the diagnostics matched the annotations (even if they were errors), 1
  /// otherwise.
  int finish();
  bool verifying() const { return verifier_ != nullptr; }

private:
  lang::SourceManager sources_;
  std::unique_ptr<lang::DiagnosticConsumer> printer_;
  lang::VerifyingDiagnosticConsumer *verifier_ = nullptr; // printer_, when verifying
  std::unique_ptr<lang::DiagnosticEngine> engine_;
};

int emitTokens(Session &session, const std::string &path);
int emitAST(Session &session, const std::string &path);

/// `ftpc privacy` with explicit parameters (see Privacy.cpp).
struct PrivacyFlags {
  double sampleRate = 0;
  long long steps = 0;
  double delta = 0;
  std::optional<double> noiseMultiplier;
  std::optional<double> epsilon;
  std::string accountant = "rdp";
  bool json = false;
};
int privacyFromFlags(const PrivacyFlags &flags);
/// `ftpc privacy FILE`: checks the pipeline and prints the budget of every private fine-tuning.
int privacyFromPipeline(Session &session, const std::string &path,
                        const std::vector<std::string> &overrides, bool json);

/// `ftpc deid` (see Deid.cpp).
struct DeidFlags {
  std::string input;
  std::string output;
  std::string field = "text";
  std::string report;
  std::string mode = "mask";
  std::vector<std::string> operators; // KIND=OPERATOR, overriding `mode` for that kind
  std::vector<std::string> names;
};
int deidentify(const DeidFlags &flags);

/// `ftpc fmt`: rewrites files in canonical form, or with `check` lists those that would change.
int formatFiles(Session &session, const std::vector<std::string> &paths, bool check);

/// Parses and checks one pipeline file with its overrides; std::nullopt after errors.
/// `config`, when given, receives the project configuration the check used.
struct LoadedConfig;
std::optional<lang::CheckedProgram> checkProgram(Session &session, const std::string &path,
                                                 const std::vector<std::string> &overrides,
                                                 LoadedConfig *config = nullptr);
/// `ftpc --emit=plan FILE`: the plan JSON `ftpc run` hands the runtime.
int emitPlan(Session &session, const std::string &path, const std::vector<std::string> &overrides);
/// `ftpc --emit=mlir|linalg|llvm|ptx FILE`: the step kernels of FILE's pipelines (EmitKernels.cpp).
int emitKernels(Session &session, const std::string &path,
                const std::vector<std::string> &overrides, const std::string &stage,
                const std::string &gpuArch);
int checkFiles(Session &session, const std::vector<std::string> &paths,
               const std::vector<std::string> &overrides);
int emitSema(Session &session, const std::string &path, const std::vector<std::string> &overrides);

/// `ftpc run` (Run.cpp).
struct RunFlags {
  std::string file;
  std::vector<std::string> overrides;
  std::string out;      // the run directory
  std::string resume;   // a run directory to continue
  int threads = 0;
  bool quiet = false;
  bool allowDrift = false;
  std::string kernels = "jit";
  int nproc = 1;                    // data-parallel worker processes started here (--nproc)
  std::vector<std::string> argv;    // the command line, for the workers --nproc starts
};
int runPipelines(Session &session, const RunFlags &flags);
/// `ftpc run --nproc N` (Launch.cpp): starts N copies of this command as the ranks of one job on
/// this machine (torchrun's variables, a free loopback port), waits for them, and stops them all
/// when one fails. Returns the exit code of the first that failed, else 0.
int launchRanks(const RunFlags &flags);

/// The project configuration for one pipeline (Config.cpp): ftp.toml, then `--set` settings.
struct LoadedConfig {
  lang::ProjectConfig config; // defaults stand in for settings that are missing or in error
  /// The `--set` arguments that are not settings (their key starts with neither `paths.` nor
  /// `run.`), in order: pipeline option overrides, for the checker.
  std::vector<std::string> optionOverrides;
  bool ok = true; // false when ftp.toml or a `--set` setting had an error (already reported)
};

/// Finds and reads the ftp.toml of `pipelinePath`'s project and applies the `paths.*` and `run.*`
/// overrides, reporting every error through the session.
LoadedConfig loadProjectConfig(Session &session, const std::string &pipelinePath,
                               const std::vector<std::string> &overrides);

/// `ftpc --emit=config FILE`: every setting with its value and where it came from.
int emitConfig(Session &session, const std::string &path, const std::vector<std::string> &overrides);

/// `ftpc lock` (Lock.cpp): the data and model inputs of a checked program, as ftp.lock pins them
/// (`ftpc run` compares them with record::checkDrift before it starts).
std::vector<record::LockInput> lockInputs(const lang::CheckedProgram &program);
/// Writes the pipeline's section of ftp.lock, or with `check` compares the files with it.
int lockPipeline(Session &session, const std::string &path,
                 const std::vector<std::string> &overrides, bool check);
/// `ftpc verify RUN_DIR` (Verify.cpp): 0 when every recorded input and output still matches.
int verifyRunDir(const std::string &runDir);

} // namespace ftp::driver
