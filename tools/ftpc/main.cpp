//===- main.cpp - the ftpc command line -----------------------------------------===//
//
// ftpc [--emit=STAGE] FILE          show one stage of compiling FILE
// ftpc check|fmt|run|lock|verify|privacy|deid|bench ...
//
// docs/cli.md documents every subcommand, option and exit code; keep the two in step.
//
//===----------------------------------------------------------------------------------------===//

#include "Driver.h"

#include "ftp/Version.h"
#include "Backend.h"
#include "lang/sema/SchemaDoc.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <fmt/format.h>

#include <iostream>
#include <unistd.h>

namespace ftp::driver {

Session::Session(const DiagnosticOptions &options, bool verify) {
  if (verify) {
    auto verifier = std::make_unique<lang::VerifyingDiagnosticConsumer>(sources_, std::cerr);
    verifier_ = verifier.get();
    printer_ = std::move(verifier);
  } else if (options.format == "json") {
    printer_ = std::make_unique<lang::JsonDiagnosticPrinter>(sources_, std::cerr);
  } else {
    bool color = options.color == "always" || (options.color == "auto" && isatty(STDERR_FILENO));
    printer_ = std::make_unique<lang::TextDiagnosticPrinter>(sources_, std::cerr, color);
  }
  engine_ = std::make_unique<lang::DiagnosticEngine>(sources_, *printer_);
}

Session::~Session() = default;

std::optional<uint32_t> Session::load(const std::string &path) {
  std::string error;
  auto file = sources_.addFile(path, &error);
  if (!file)
    engine_->report(lang::SourceLoc{}, lang::DiagKind::FileNotReadable, path, error);
  return file;
}

int Session::finish() {
  printer_->finish();
  if (verifier_)
    return verifier_->succeeded() ? kExitOk : kExitUserError;
  return engine_->hasErrors() ? kExitUserError : kExitOk;
}

} // namespace ftp::driver

using namespace ftp::driver;

namespace {

// Loads the back end: the versions are those the compiler and runtime libraries were built with.
std::string versionText() {
  const FtpcBackendApi *backend = loadBackend();
  if (!backend)
    return fmt::format("ftpc {}\n(back end not loadable)", FTPC_VERSION_STRING);
  char blas[4096];
  bool reference = backend->blasLibrary(blas, sizeof(blas)) != 0;
  return fmt::format("ftpc {}\nMLIR {}\nLibTorch {}\nBLAS {}{}", FTPC_VERSION_STRING,
                     backend->mlirVersion(), backend->libtorchVersion(), blas,
                     reference ? " (reference BLAS: slow; install libopenblas0-pthread)" : "");
}

int notImplemented(const std::string &what, int issue) {
  std::cerr << fmt::format("ftpc: `{}` is not implemented yet (tracked in issue {})\n", what, issue);
  return kExitNotImplemented;
}

const std::vector<std::string> kStages = {"tokens", "ast", "sema", "mlir", "linalg", "llvm", "ptx",
                                          "config", "plan"};

void addDiagnosticOptions(CLI::App &app, DiagnosticOptions &options) {
  app.add_option("--diagnostics-format", options.format,
                 "how to print errors on stderr: `text` for people, `json` (one array) for tools")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  app.add_option("--color", options.color, "color in text diagnostics: auto, always, never")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->capture_default_str();
}

} // namespace

int main(int argc, char **argv) try {
  CLI::App app{"ftpc: a compiler for fine-tuning pipelines.\n\n"
               "Checks a .ftp pipeline before anything runs, compiles its numeric steps through MLIR "
               "into fused kernels, and runs it on LibTorch, leaving a manifest that pins what went "
               "in and what came out.",
               "ftpc"};
  app.set_version_flag("--version", std::function<std::string()>(versionText));
  app.require_subcommand(0, 1);
  app.failure_message([](const CLI::App *, const CLI::Error &e) {
    return fmt::format("ftpc: error: {}\nrun `ftpc --help` for usage\n", e.what());
  });
  app.footer("Exit codes: 0 success, 1 user error (bad program, file or option), 2 internal "
             "error, 3 not implemented yet.\nSee docs/cli.md.");

  DiagnosticOptions diagOptions;
  addDiagnosticOptions(app, diagOptions);

  // ftpc --print-schema: the language reference, generated from the checker's schema.
  bool printSchema = false;
  app.add_flag("--print-schema", printSchema,
               "print the reference of every option and function (Markdown), as in "
               "docs/language.md");

  // ftpc --emit=STAGE FILE
  std::string emitStage;
  std::string emitFile;
  app.add_option("--emit", emitStage,
                 "print one compilation stage of FILE: tokens, ast, sema, mlir, linalg, llvm, ptx; "
                 "or `config`, the project settings from ftp.toml and --set; or `plan`, the JSON the "
                 "runtime executes")
      ->check(CLI::IsMember(kStages));
  app.add_option("file", emitFile, "the .ftp pipeline, for --emit");
  std::string gpuArch = "sm_90";
  app.add_option("--gpu-arch", gpuArch, "with --emit=ptx: the GPU to generate PTX for (sm_80, sm_90)");

  // ftpc check
  std::vector<std::string> checkPaths;
  std::vector<std::string> overrides;
  bool verifyDiagnostics = false;
  CLI::App *check = app.add_subcommand(
      "check", "check pipelines without running them: syntax, names, types and ranges of every "
               "option, label sets, paths, model configs, LoRA targets");
  check->add_option("files", checkPaths, "the .ftp files to check")->required();
  check->add_option("--set", overrides, "override an option: path.to.option=value (repeatable)");
  check->add_flag("--verify-diagnostics", verifyDiagnostics,
                  "compare reported diagnostics with `# expected-error {{...}}` annotations in the "
                  "files (for tests)");
  addDiagnosticOptions(*check, diagOptions);
  // The same switch at the top level, so tests can verify lexer and parser diagnostics with
  // `ftpc --verify-diagnostics --emit=ast FILE`.
  app.add_flag("--verify-diagnostics", verifyDiagnostics,
               "with --emit: check reported diagnostics against `# expected-error {{...}}` "
               "annotations in FILE instead of printing them (for tests)");
  // And --set, for `ftpc --emit=config FILE --set run.threads=4` and `--emit=sema`. One value per
  // occurrence, so `--set a=1 FILE` does not take FILE as a second value.
  app.add_option("--set", overrides,
                 "with --emit: override a setting (paths.KEY=VALUE, run.KEY=VALUE) or a pipeline "
                 "option (repeatable)")
      ->allow_extra_args(false);

  // ftpc fmt
  std::vector<std::string> fmtFiles;
  bool fmtCheckOnly = false;
  CLI::App *fmtCmd = app.add_subcommand(
      "fmt", "rewrite .ftp files in canonical form, keeping comments");
  fmtCmd->add_option("files", fmtFiles, "the .ftp files to format in place")->required();
  fmtCmd->add_flag("--check", fmtCheckOnly,
                   "change nothing; exit 1 and list the files that would change");
  addDiagnosticOptions(*fmtCmd, diagOptions);

  // ftpc run
  RunFlags runFlags;
  CLI::App *run = app.add_subcommand(
      "run", "check, compile and run a pipeline; writes runs/<name>/<id>/ with a manifest, "
             "metrics, checkpoints, the final model and a report");
  run->add_option("file", runFlags.file, "the .ftp pipeline")->required();
  run->add_option("--set", runFlags.overrides, "override an option: path.to.option=value (repeatable)");
  run->add_option("--out", runFlags.out,
                  "the run directory (default: <output_root>/<pipeline>/<time>, output_root from "
                  "ftp.toml, else runs/)");
  run->add_option("--resume", runFlags.resume,
                  "continue the run in this directory from its newest checkpoint");
  run->add_option("--threads", runFlags.threads, "CPU threads (default: all, or ftp.toml)");
  run->add_option("--kernels", runFlags.kernels,
                  "jit: the fused kernels MLIR compiles (default); eager: LibTorch operations, "
                  "for A/B checks")
      ->check(CLI::IsMember({"jit", "eager"}));
  run->add_option("--nproc", runFlags.nproc,
                  "data-parallel worker processes on this machine (each gets --threads, default: "
                  "the cores divided among them); under torchrun or Slurm leave it out: ftpc reads "
                  "RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT")
      ->check(CLI::Range(1, 256));
  run->add_flag("--quiet,-q", runFlags.quiet, "print nothing but errors");
  run->add_flag("--allow-drift", runFlags.allowDrift,
                "run although files differ from ftp.lock (recorded in the manifest)");
  addDiagnosticOptions(*run, diagOptions);

  // ftpc privacy
  std::string privacyFile;
  CLI::App *privacy = app.add_subcommand(
      "privacy", "DP-SGD accounting with the RDP or PRV accountant: the epsilon a noise multiplier "
                 "gives, or the smallest noise multiplier that meets an epsilon");
  privacy->add_option("file", privacyFile,
                      "a .ftp pipeline: print the budget `ftpc check` derives for each private "
                      "fine-tuning");
  privacy->add_option("--set", overrides, "override an option: path.to.option=value (repeatable)");
  PrivacyFlags privacyFlags;
  privacy->add_option("--sample-rate", privacyFlags.sampleRate,
                      "Poisson sampling rate q = expected batch / training examples");
  privacy->add_option("--steps", privacyFlags.steps, "optimizer steps T");
  privacy->add_option("--delta", privacyFlags.delta, "δ of the (ε, δ) guarantee");
  privacy->add_option("--noise-multiplier", privacyFlags.noiseMultiplier,
                      "σ, the noise multiplier: prints the ε it gives");
  privacy->add_option("--epsilon", privacyFlags.epsilon,
                      "target ε: prints the smallest noise multiplier that meets it");
  CLI::Option *accountant = privacy->add_option(
      "--accountant", privacyFlags.accountant,
      "rdp (Rényi DP), or prv (Gopi et al. 2021: numerical composition, tighter; ε is its upper "
      "bound); a pipeline FILE's accountant is its own");
  accountant->check(CLI::IsMember({"rdp", "prv"}))->capture_default_str();
  privacy->add_flag("--json", privacyFlags.json,
                    "print one JSON object (epsilon, noise_multiplier, ...) instead of text");

  // ftpc deid
  DeidFlags deidFlags;
  CLI::App *deid = app.add_subcommand(
      "deid", "detect and anonymize personal data (e-mail, phone, IP, URL, card, SSN, IBAN, "
              "Chinese ID, names) in one field of a JSONL file");
  deid->add_option("input", deidFlags.input, "JSONL file, one JSON object per line")->required();
  deid->add_option("-o,--output", deidFlags.output, "where to write the de-identified JSONL")
      ->required();
  deid->add_option("--field", deidFlags.field, "the string field to de-identify (default: text)");
  deid->add_option("--report", deidFlags.report,
                   "write counts per entity type (never the text found) to this JSON file");
  deid->add_option("--mode", deidFlags.mode,
                   "mask (<EMAIL>), redact (remove) or hash (<EMAIL:3f2a9c1b>, HMAC-SHA256 keyed "
                   "by $FTPC_DEID_KEY, else a random per-run key); default: mask")
      ->check(CLI::IsMember({"mask", "redact", "hash"}));
  deid->add_option("--operator", deidFlags.operators,
                   "KIND=OPERATOR: this kind's operator instead of --mode (mask, redact, hash or "
                   "keep; e.g. --operator email=hash --operator url=keep; repeatable)")
      ->allow_extra_args(false);
  deid->add_option("--names", deidFlags.names,
                   "first-name list, one per line (repeatable); without it person names are not "
                   "detected -- ftpc ships no name list")
      ->allow_extra_args(false); // one file per --names, so a following input is not taken

  // ftpc lock
  std::string lockFile;
  bool lockCheck = false;
  CLI::App *lock = app.add_subcommand(
      "lock", "write ftp.lock beside a pipeline: the SHA-256 of every data and model file it "
              "reads, so that `ftpc run` refuses to run on changed inputs");
  lock->add_option("file", lockFile, "the .ftp pipeline")->required();
  lock->add_option("--set", overrides, "override an option: path.to.option=value (repeatable)");
  lock->add_flag("--check", lockCheck,
                 "change nothing; exit 1 and name every file that differs from ftp.lock");
  addDiagnosticOptions(*lock, diagOptions);

  // ftpc verify
  std::string verifyDir;
  CLI::App *verify = app.add_subcommand(
      "verify", "re-hash a run's inputs and outputs against its manifest.toml; exit 1 and list "
                "what differs");
  verify->add_option("run_dir", verifyDir, "the run directory")->required();

  // ftpc bench
  CLI::App *bench = app.add_subcommand(
      "bench", "measure ftpc's fused step kernels against LibTorch eager on this machine");
  std::string benchWhat;
  bool benchJson = false;
  std::vector<long long> benchSizes;
  int benchThreads = 0;
  bench->add_option("what", benchWhat, "update: the fused clip+noise+AdamW step")
      ->check(CLI::IsMember({"update"}))
      ->required();
  bench->add_flag("--json", benchJson, "end with one line of JSON (bandwidths at the largest size)");
  bench->add_option("--sizes", benchSizes, "parameter counts (default 1M 10M 100M)");
  bench->add_option("--threads", benchThreads, "threads (default: all)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success &e) {
    return app.exit(e); // --help, --version
  } catch (const CLI::ParseError &e) {
    app.exit(e);
    return kExitUserError;
  }

  if (*check) {
    Session session(diagOptions, verifyDiagnostics);
    return checkFiles(session, checkPaths, overrides);
  }
  if (*fmtCmd) {
    Session session(diagOptions);
    return formatFiles(session, fmtFiles, fmtCheckOnly);
  }
  if (*run) {
    Session session(diagOptions);
    runFlags.argv.assign(argv, argv + argc);
    return runPipelines(session, runFlags);
  }
  if (*privacy) {
    if (!privacyFile.empty()) {
      if (accountant->count() > 0) {
        std::cerr << "ftpc: error: a pipeline's budget is accounted by the accountant its "
                     "`privacy dp_sgd(accountant: ...)` names (rdp unless it says prv); "
                     "--accountant applies to the flag form only\n";
        return kExitUserError;
      }
      Session session(diagOptions);
      return privacyFromPipeline(session, privacyFile, overrides, privacyFlags.json);
    }
    return privacyFromFlags(privacyFlags);
  }
  if (*deid)
    return deidentify(deidFlags);
  if (*lock) {
    Session session(diagOptions);
    return lockPipeline(session, lockFile, overrides, lockCheck);
  }
  if (*verify)
    return verifyRunDir(verifyDir);
  if (*bench) {
    const FtpcBackendApi *backend = loadBackend();
    if (!backend)
      return kExitInternalError;
    nlohmann::json options = {{"json", benchJson}, {"threads", benchThreads}};
    if (!benchSizes.empty())
      options["sizes"] = benchSizes;
    return backend->benchUpdate(options.dump().c_str());
  }

  if (printSchema) {
    ftp::lang::printSchemaReference(std::cout);
    return kExitOk;
  }
  if (!emitStage.empty()) {
    if (emitFile.empty()) {
      std::cerr << "ftpc: --emit needs a .ftp file\n";
      return kExitUserError;
    }
    Session session(diagOptions, verifyDiagnostics);
    if (emitStage == "tokens")
      return emitTokens(session, emitFile);
    if (emitStage == "ast")
      return emitAST(session, emitFile);
    if (emitStage == "config")
      return emitConfig(session, emitFile, overrides);
    if (emitStage == "sema")
      return emitSema(session, emitFile, overrides);
    if (emitStage == "plan")
      return emitPlan(session, emitFile, overrides);
    // The step kernels at each stage of their lowering (issue 6).
    if (emitStage == "mlir" || emitStage == "linalg" || emitStage == "llvm" || emitStage == "ptx")
      return emitKernels(session, emitFile, overrides, emitStage, gpuArch);
    return notImplemented("ftpc --emit=" + emitStage, emitStage == "ast" || emitStage == "sema" ? 3 : 6);
  }
  if (!emitFile.empty()) {
    std::cerr << fmt::format("ftpc: what should ftpc do with `{}`? try `ftpc check {}` or "
                             "`ftpc run {}`\n",
                             emitFile, emitFile, emitFile);
    return kExitUserError;
  }
  std::cout << app.help();
  return kExitUserError;
} catch (const std::exception &e) {
  std::cerr << "ftpc: internal error: " << e.what() << "\n";
  return kExitInternalError;
}
