//===- RunDriver.cpp - execute a compiled plan, stage by stage ------------------===//
//
// Order of work: validate the plan, make the run directory, load and hash the data every stage
// needs (once per dataset), then the stages in program order. Everything a later reader needs is
// written as it happens (plan.json first, metrics.jsonl line by line), so a run that fails half
// way still leaves an honest record of how far it got.
//
//===----------------------------------------------------------------------------------------===//

#include "ftp/run/RunPlan.h"

#include "dist/Collective.h"
#include "run/RunRecorder.h"
#include "train/Batches.h"
#include "train/MembershipAudit.h"
#include "train/Perturb.h"
#include "train/Precision.h"
#include "train/RobustEval.h"
#include "train/TrainConfig.h"
#include "train/TrainState.h"
#include "train/Trainer.h"
#include "model/TransformerModel.h"
#include "ftp/data/Dataset.h"
#include "ftp/record/Files.h"
#include "ftp/runtime/ContentHash.h"
#include "ftp/runtime/Tokenizer.h"

#include <ATen/Parallel.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <dlfcn.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <map>
#include <numeric>
#include <thread>

namespace ftp::run {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

/// A problem with the user's inputs (exit 1), as opposed to a bug (exit 2).
struct UserError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string runId() {
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y%m%d-%H%M%S", &utc);
  return buffer;
}

std::unique_ptr<runtime::Tokenizer> loadModelTokenizer(const fs::path &dir) {
  if (fs::exists(dir / "tokenizer.json"))
    return runtime::loadTokenizerJson((dir / "tokenizer.json").string());
  if (fs::exists(dir / "vocab.txt"))
    return std::make_unique<runtime::WordPieceTokenizer>(
        runtime::WordPieceTokenizer::fromVocabFile((dir / "vocab.txt").string()));
  if (fs::exists(dir / "vocab.json") && fs::exists(dir / "merges.txt"))
    return std::make_unique<runtime::ByteLevelBpeTokenizer>(runtime::ByteLevelBpeTokenizer::fromFiles(
        (dir / "vocab.json").string(), (dir / "merges.txt").string()));
  throw UserError(fmt::format("{}: no tokenizer (tokenizer.json, vocab.txt, or vocab.json with "
                              "merges.txt)", dir.string()));
}

struct LoadedModel {
  std::shared_ptr<model::TransformerModel> net;
  std::unique_ptr<runtime::Tokenizer> tokenizer;
  fs::path sourceDir;
  std::vector<std::string> labels;
  bool finetuned = false;
  json trainedOn;         // the data use of its (last) finetune stage: the members of the audit
  int64_t trainedMaxLen = 128;
  int64_t savedMaxLen = 0; // the max_len a loaded export was fine-tuned with, 0 if unknown
};

/// data_report.json's entry for one dataset (the format docs/records.md gives and report.html
/// reads): counts only, never text.
json reportEntry(const std::string &name, const json &plan, const json &report) {
  json entry{{"name", name},
             {"source", plan["source"].value("fn", "")},
             {"path", plan.value("resolved_path", "")},
             {"read", report.value("read", 0)},
             {"skipped", report["skipped"].value("total", 0)},
             {"sampled_out", report.value("sampled_out", 0)}};
  // (Range-for over .items() of a temporary would dangle: keep each object in a local.)
  const json filteredBy = report.value("filtered", json::object());
  int64_t filtered = 0;
  for (const auto &[reason, count] : filteredBy.items())
    filtered += count.is_number() ? count.get<int64_t>() : 0;
  entry["filtered"] = filtered;
  entry["filtered_because"] = filteredBy;
  json because = json::object();
  const json skippedBy = report["skipped"].value("reasons", json::object());
  for (const auto &[reason, detail] : skippedBy.items())
    because[reason] = detail.value("count", 0);
  entry["skipped_because"] = because;
  json labels = json::object(), splits = json::object();
  for (const json &part : report.value("splits", json::array())) {
    std::string partName = part.value("name", "");
    splits[partName.empty() ? "all" : partName] = {{"size", part.value("size", 0)},
                                                   {"labels", part.value("labels", json::object())}};
    const json partLabels = part.value("labels", json::object());
    for (const auto &[label, count] : partLabels.items()) {
      int64_t before = labels.value(label, int64_t{0});
      labels[label] = before + count.get<int64_t>();
    }
  }
  entry["labels"] = labels;
  entry["splits"] = splits;
  if (report.contains("deid"))
    entry["deid"] = report["deid"].value("found", json::object());
  if (report.contains("email"))
    entry["email"] = report["email"];
  return entry;
}

class Driver {
public:
  Driver(json plan, const RunOptions &options, runtime::StepKernels &kernels)
      : plan_(std::move(plan)), options_(options), kernels_(kernels) {}
  int run();
  /// Records a failed run in the manifest (best effort: the error is what matters).
  void markFailed(const std::string &why) {
    if (recorder_) {
      recorder_->logOnly("error: " + why); // runPlan prints it on stderr
      recorder_->finish("failed");
    }
  }

private:
  void prepareRunDir();
  data::LoadedDataset &dataset(const std::string &name);
  const std::vector<data::Example> &examples(const json &use);
  LoadedModel &modelNamed(const std::string &name);
  json reloadCheck(LoadedModel &m, const fs::path &dir, int64_t maxLen);
  /// The examples of `use` ({"dataset", "split"}) tokenized for `m`, their labels as indices of
  /// the model's outputs; `text` replaces example i's text (perturbations).
  train::TokenizedSet tokenize(const LoadedModel &m, const json &use, int64_t maxLen,
                               const std::function<std::string(size_t)> &text = {});
  void finetune(const json &stage, size_t index);
  void evaluate(const json &stage);
  void exportModel(const json &stage);
  std::string dataIdentity(const std::string &datasetName);
  void joinRanks();

  json plan_;
  RunOptions options_;
  runtime::StepKernels &kernels_;
  fs::path runDir_;
  std::unique_ptr<RunRecorder> recorder_;
  uint64_t seed_ = 0;
  int threads_ = 1;
  std::map<std::string, data::LoadedDataset> datasets_;
  std::map<std::string, LoadedModel> models_;
  json metrics_ = json::object();
  /// metrics.json's key of each evaluation so far -> the (model, dataset) it evaluated.
  std::map<std::string, std::pair<std::string, std::string>> evaluationKeys_;
  std::string evaluationKey(const std::string &model, const json &use);
  json dataReport_ = {{"datasets", json::array()}};
  std::string pipelineHash_;
  dist::World world_;
  std::unique_ptr<dist::Collective> collective_;

public:
  /// After an output that could not be written: where the run's records are, and how to go on.
  std::string afterWriteError() const {
    if (runDir_.empty() || !recorder_)
      return "";
    return fmt::format("ftpc: note: what the run wrote before is kept in {}; once there is room, "
                       "`ftpc run {} --resume {}` goes on from its last checkpoint\n",
                       runDir_.string(), plan_.value("file", std::string("FILE")), runDir_.string());
  }
  /// "rank 1 of 2: " in a data-parallel run, so that each process's error says which it is.
  std::string errorPrefix() const {
    return world_.distributed() ? fmt::format("rank {} of {}: ", world_.rank, world_.size) : "";
  }
};

// Data parallelism (issue 11): torchrun's variables say whether this process is one rank of many.
// Every rank runs the whole plan on the same data and model; training shards each batch, and only
// rank 0 writes the run directory. FTPC_DIST_TIMEOUT (seconds, default 300) bounds every wait
// on the other ranks, so a rank that hangs stops the others with an error instead of a hang.
void Driver::joinRanks() {
  world_ = dist::worldFromEnvironment();
  if (!world_.distributed())
    return;
  long seconds = 300;
  if (const char *text = std::getenv("FTPC_DIST_TIMEOUT"); text && *text) {
    char *end = nullptr;
    seconds = std::strtol(text, &end, 10);
    if (*end != '\0' || seconds < 1)
      throw UserError(fmt::format("FTPC_DIST_TIMEOUT={} is not a positive number of seconds", text));
  }
  collective_ = dist::Collective::connect(world_, std::chrono::seconds(seconds));
}

void Driver::prepareRunDir() {
  if (!options_.resumeDir.empty()) {
    runDir_ = options_.resumeDir;
    if (!fs::exists(runDir_ / "plan.json"))
      throw UserError(fmt::format("{}: not a run directory (no plan.json)", runDir_.string()));
  } else if (!options_.outDir.empty()) {
    runDir_ = options_.outDir;
  } else {
    fs::path base = fs::path(plan_["settings"].value("output_root", "runs")) / plan_.value("pipeline", "run");
    std::string id = runId();
    runDir_ = base / id;
    for (int n = 2; fs::exists(runDir_); ++n)
      runDir_ = base / fmt::format("{}-{}", id, n);
  }
  bool writes = world_.rank == 0;
  std::error_code ec;
  if (writes && (fs::create_directories(runDir_, ec), ec))
    throw record::WriteError(fmt::format("cannot create the run directory {}: {}", runDir_.string(), ec.message()));
  // The run directory is the one rank 0 chose (the default name has the time in it).
  if (collective_)
    runDir_ = collective_->fromRankZero("run_dir", runDir_.string());
  recorder_ = std::make_unique<RunRecorder>(runDir_, options_, !options_.resumeDir.empty(), writes);
}

data::LoadedDataset &Driver::dataset(const std::string &name) {
  auto found = datasets_.find(name);
  if (found != datasets_.end())
    return found->second;
  for (const json &d : plan_["datasets"]) {
    if (d.value("name", "") != name)
      continue;
    data::LoadOptions options;
    options.seed = seed_;
    options.threads = threads_;
    data::NameLists names = data::nameListsOf(d);
    for (const std::string &path : names.paths)
      recorder_->addInput(path, "data");
    options.firstNames = &names.files;
    // The HMAC key of `mode: hash` comes from the environment (never from the program or a
    // file that could be committed); without it, a random key per run.
    if (const char *key = std::getenv("FTPC_DEID_KEY"))
      options.deidKey = key;
    recorder_->message(fmt::format("data {}: reading {}", name, d.value("resolved_path", "")));
    auto &loaded = datasets_.emplace(name, data::loadDataset(d, options)).first->second;
    dataReport_["datasets"].push_back(reportEntry(name, d, loaded.report.toJson()));
    // The checker derived the DP sample rate from the sizes it counted; a run on data of another
    // size would spend a different privacy budget than the one checked.
    if (d.contains("checked_split_sizes"))
      for (const auto &[part, examples] : loaded.splits)
        if (d["checked_split_sizes"].contains(part) &&
            d["checked_split_sizes"][part].get<int64_t>() != static_cast<int64_t>(examples.size()))
          recorder_->message(fmt::format(
              "warning: data {}.{} has {} examples at run time, {} when checked", name, part,
              examples.size(), d["checked_split_sizes"][part].get<int64_t>()));
    return loaded;
  }
  throw std::runtime_error("plan has no dataset `" + name + "`");
}

const std::vector<data::Example> &Driver::examples(const json &use) {
  data::LoadedDataset &d = dataset(use.at("dataset").get<std::string>());
  return d.part(use.value("split", ""));
}

LoadedModel &Driver::modelNamed(const std::string &name) {
  auto found = models_.find(name);
  if (found != models_.end())
    return found->second;
  for (const json &m : plan_["models"]) {
    if (m.value("name", "") != name)
      continue;
    LoadedModel loaded;
    loaded.sourceDir = m.value("resolved_path", "");
    loaded.tokenizer = loadModelTokenizer(loaded.sourceDir);
    // `init: random`: a fresh draw from the pipeline's seed (training from scratch).
    model::StartFrom from = m.contains("base") && m["base"].is_object() &&
                                    m["base"].value("init", "pretrained") == "random"
                                ? model::StartFrom::Random
                                : model::StartFrom::Pretrained;
    if (m.value("decoder", false)) {
      loaded.net = model::loadCausalLm(loaded.sourceDir, from, seed_);
    } else {
      const json &head = m.at("classifier");
      if (!head.is_object())
        throw UserError(fmt::format("model {}: an encoder needs a classifier head to be trained "
                                    "or evaluated", name));
      for (const auto &label : head.at("labels"))
        loaded.labels.push_back(label.get<std::string>());
      model::Pooling pooling = head.value("pooling", "cls") == "mean" ? model::Pooling::Mean
                                                                     : model::Pooling::Cls;
      // The checker resolved `head`: `saved` loads the folder's classifier as it was exported
      // (never a head re-drawn from this run's seed); `new` draws one.
      if (head.value("head", "new") == "saved") {
        loaded.net = model::loadSavedClassifier(loaded.sourceDir, loaded.labels, pooling,
                                                head.value("dropout", 0.1));
        if (m.contains("saved_head") && m["saved_head"].is_object())
          loaded.savedMaxLen = m["saved_head"].value("max_len", int64_t{0});
      } else {
        loaded.net = model::loadSequenceClassifier(loaded.sourceDir, loaded.labels, pooling,
                                                   head.value("dropout", 0.1), seed_, from);
      }
    }
    if (m.contains("lora") && m["lora"].is_object()) {
      model::LoraSpec spec;
      spec.rank = m["lora"].value("rank", int64_t{8});
      spec.alpha = m["lora"].value("alpha", 16.0);
      spec.dropout = m["lora"].value("dropout", 0.05);
      for (const auto &t : m["lora"].at("targets"))
        spec.targets.push_back(t.get<std::string>());
      model::applyLora(*loaded.net, spec, seed_);
    }
    bool savedHead = m.contains("classifier") && m["classifier"].is_object() &&
                     m["classifier"].value("head", "new") == "saved";
    recorder_->message(from == model::StartFrom::Random
                           ? fmt::format("model {}: initialized at random (seed {}) from {}", name,
                                         seed_, loaded.sourceDir.string())
                       : savedHead
                           ? fmt::format("model {}: loaded {} with its saved classifier head", name,
                                         loaded.sourceDir.string())
                           : fmt::format("model {}: loaded {}", name, loaded.sourceDir.string()));
    return models_.emplace(name, std::move(loaded)).first->second;
  }
  throw std::runtime_error("plan has no model `" + name + "`");
}

train::TokenizedSet Driver::tokenize(const LoadedModel &m, const json &use, int64_t maxLen,
                                     const std::function<std::string(size_t)> &text) {
  const data::LoadedDataset &data = dataset(use.at("dataset").get<std::string>());
  const std::vector<data::Example> &examples = data.part(use.value("split", ""));
  // An example's label indexes the dataset's labels (sorted by the checker); the model's outputs
  // follow the classifier's declared order (`labels: [spam, ham]`), and evaluation data may hold
  // only some of them. Mapped by name, so output i always means the model's label i.
  std::vector<int32_t> outputOf(data.labels.size(), -1);
  if (!m.labels.empty())
    for (size_t i = 0; i < data.labels.size(); ++i) {
      auto it = std::find(m.labels.begin(), m.labels.end(), data.labels[i]);
      if (it == m.labels.end())
        throw UserError(fmt::format("data {} holds label `{}`, which model labels {} do not name",
                                    data.name, data.labels[i], fmt::join(m.labels, ", ")));
      outputOf[i] = static_cast<int32_t>(it - m.labels.begin());
    }
  std::vector<std::string> texts;
  std::vector<int32_t> labels;
  texts.reserve(examples.size());
  for (size_t i = 0; i < examples.size(); ++i) {
    texts.push_back(text ? text(i) : examples[i].text);
    int32_t label = examples[i].label;
    labels.push_back(label >= 0 && static_cast<size_t>(label) < outputOf.size() && !m.labels.empty()
                         ? outputOf[static_cast<size_t>(label)]
                         : label);
  }
  return train::tokenizeAll(*m.tokenizer, texts, labels, static_cast<size_t>(maxLen), threads_);
}

std::string Driver::dataIdentity(const std::string &datasetName) {
  data::LoadedDataset &d = dataset(datasetName);
  std::string all;
  for (const std::string &file : d.filesRead) {
    auto hash = runtime::sha256FileHex(file);
    all += file + " " + hash.value_or("unreadable") + "\n";
  }
  return runtime::sha256Hex(all);
}

void Driver::finetune(const json &stage, size_t index) {
  train::TrainConfig config = train::readTrainConfig(stage);
  const std::string modelName = stage.at("model");
  LoadedModel &m = modelNamed(modelName);
  const json &use = stage.at("data");
  std::string useName = use.value("split", "").empty()
                            ? use.value("dataset", "")
                            : use.value("dataset", "") + "." + use.value("split", "");
  std::string stageName = fmt::format("finetune {} on {}", modelName, useName);
  if (config.bf16 && config.privacy)
    throw UserError(stageName + ": `precision bf16` with DP-SGD is not supported; the checker refuses it");
  if (config.bf16 && !train::cpuHasNativeBf16())
    recorder_->message(fmt::format(
        "warning: {}: this CPU has neither AMX-BF16 nor AVX512-BF16, so bf16 matrix products are "
        "emulated and a step is slower than in fp32 (13x for MiniLM on an AVX2 machine); "
        "`precision fp32` trains faster here",
        stageName));

  train::TokenizedSet trainSet = tokenize(m, use, config.maxLen);
  std::optional<train::TokenizedSet> validationSet;
  if (config.validate) {
    auto dot = config.validateData.find('.');
    json valUse{{"dataset", config.validateData.substr(0, dot)},
                {"split", dot == std::string::npos ? "" : config.validateData.substr(dot + 1)}};
    validationSet = tokenize(m, valUse, config.maxLen);
  }
  train::TrainContext context{*m.net, trainSet, validationSet ? &*validationSet : nullptr,
                              m.labels.size(), kernels_, *recorder_, stageName,
                              runDir_ / "checkpoints" / fmt::format("stage-{}-{}", index, modelName),
                              seed_, json::object(), !options_.resumeDir.empty()};
  context.collective = collective_.get();
  context.writesCheckpoints = world_.rank == 0;
  context.identity = {{"pipeline_sha256", pipelineHash_},
                      {"data_sha256", dataIdentity(use.value("dataset", ""))},
                      {"stage", stageName}};
  train::TrainResult result = train::train(config, context);
  m.finetuned = true;
  m.trainedOn = use;
  m.trainedMaxLen = config.maxLen;
  json summary{{"steps", result.steps},
               {"examples_seen", result.examplesSeen},
               {"stopped_early", result.stoppedEarly},
               {"final_train_loss", result.finalTrainLoss}};
  if (result.best) {
    summary["best"] = *result.best;
    summary["best_step"] = result.bestStep;
  }
  if (config.privacy) {
    summary["privacy"] = result.privacy; // the ledger: what was spent, fewer steps if stopped early
    summary["stopped_by_budget"] = result.stoppedByBudget;
  }
  recorder_->event({{"event", "finetune_done"}, {"stage", stageName}, {"summary", summary}});
  if (config.privacy) {
    record::PrivacyRecord privacy;
    // The budget actually spent: fewer steps than planned when training stopped early.
    privacy.epsilon = result.privacy.at("epsilon").get<double>();
    privacy.delta = config.privacy->delta;
    privacy.noiseMultiplier = config.privacy->noiseMultiplier;
    privacy.sampleRate = config.privacy->sampleRate;
    privacy.steps = result.steps;
    privacy.accountant = config.privacy->accountant;
    privacy.secureRng = config.privacy->secureRng;
    recorder_->setPrivacy(privacy);
  }
}

// metrics.json's key for an evaluation: the split's name (`test`), or the dataset's for a whole
// dataset. When an earlier evaluation holds that key: qualified by the dataset when that one
// evaluated another dataset (`spam.test`), by the model when another model (`base.test`), and
// numbered when the same model is evaluated on the same data again, say after a further
// finetune (`test#2`). Never overwritten: every evaluation keeps its numbers.
std::string Driver::evaluationKey(const std::string &model, const json &use) {
  const std::string dataset = use.value("dataset", ""), split = use.value("split", "");
  std::string key = split.empty() ? dataset : split;
  auto owner = evaluationKeys_.find(key);
  if (owner != evaluationKeys_.end() && owner->second.second != dataset && !split.empty())
    owner = evaluationKeys_.find(key = dataset + "." + split);
  if (owner != evaluationKeys_.end() && owner->second.first != model)
    owner = evaluationKeys_.find(key = model + "." + key);
  std::string numbered = key;
  for (int n = 2; evaluationKeys_.count(numbered); ++n)
    numbered = key + "#" + std::to_string(n);
  evaluationKeys_[numbered] = {model, dataset};
  return numbered;
}

void Driver::evaluate(const json &stage) {
  const std::string modelName = stage.at("model");
  LoadedModel &m = modelNamed(modelName);
  const json &options = stage.at("options");
  const json &use = stage.at("data");
  const auto &rows = examples(use);
  int64_t batch = options.value("batch", int64_t{64});
  // Evaluate at the length the model was fine-tuned with; before its first finetune, at that
  // stage's length (so that before and after compare the same tokens); else at the length a
  // loaded export was fine-tuned with; else 128.
  int64_t maxLen = m.savedMaxLen > 0 ? m.savedMaxLen : 128;
  if (m.finetuned) {
    maxLen = m.trainedMaxLen;
  } else {
    for (const json &s : plan_["stages"])
      if (s.value("kind", "") == "finetune" && s.value("model", "") == modelName) {
        maxLen = s["options"].value("max_len", maxLen);
        break;
      }
  }
  for (const json &pm : plan_["models"]) // never past the model's position embeddings
    if (pm.value("name", "") == modelName && pm.contains("max_positions") &&
        pm["max_positions"].is_number_integer() && pm["max_positions"].get<int64_t>() > 0)
      maxLen = std::min(maxLen, pm["max_positions"].get<int64_t>());
  train::TokenizedSet set = tokenize(m, use, maxLen);
  std::string key = evaluationKey(modelName, use);
  recorder_->message(fmt::format("evaluate {} on {} ({} examples)", modelName, key, rows.size()));
  json result = train::evaluateSet(*m.net, set, m.labels.size(), batch, m.labels, collective_.get());
  // Keep the requested metrics (plus loss and the confusion matrix, which the report plots).
  json kept = json::object();
  for (const auto &name : options.value("metrics", json::array()))
    if (result.contains(name.get<std::string>()))
      kept[name.get<std::string>()] = result[name.get<std::string>()];
  for (const char *always : {"loss", "examples", "confusion", "perplexity", "labels_present"})
    if (result.contains(always))
      kept[always] = result[always];
  if (result.contains("undefined")) // why a kept metric is null
    for (const auto &[name, why] : result["undefined"].items())
      if (kept.contains(name))
        kept["undefined"][name] = why;
  json under = json::object();
  uint64_t perturbSeed = seed_ ^ 0x5eedULL;
  for (const json &p : options.value("under", json::array())) {
    std::string fn = p.value("fn", "");
    std::string label = fn;
    json metrics;
    if (fn == "typos" || fn == "word_dropout" || fn == "word_swap" || fn == "synonyms") {
      double rate = p.value("rate", 0.05);
      label = fmt::format("{}(rate: {:g})", fn, rate);
      auto perturb = fn == "typos"          ? train::applyTypos
                     : fn == "word_dropout" ? train::dropWords
                     : fn == "word_swap"    ? train::swapWords
                                            : train::replaceSynonyms;
      train::TokenizedSet perturbed = tokenize(m, use, maxLen, [&](size_t i) {
        return perturb(rows[i].text, rate, perturbSeed, i);
      });
      metrics = train::evaluateSet(*m.net, perturbed, m.labels.size(), batch, m.labels, collective_.get());
    } else if (fn == "fgsm" || fn == "pgd") {
      if (m.net->isCausalLm())
        throw UserError("embedding attacks evaluate classifiers; this model is a language model");
      train::Adversarial attack;
      attack.kind = fn == "pgd" ? train::Adversarial::Kind::Pgd : train::Adversarial::Kind::Fgsm;
      attack.eps = p.value("eps", 0.01);
      attack.steps = fn == "pgd" ? p.value("steps", int64_t{10}) : 1;
      attack.stepSize = p.contains("step_size") && p["step_size"].is_number()
                            ? p["step_size"].get<double>()
                            : 2.5 * attack.eps / static_cast<double>(attack.steps);
      attack.randomStart = false;
      label = fn == "pgd" ? fmt::format("pgd(eps: {:g}, steps: {})", attack.eps, attack.steps)
                          : fmt::format("fgsm(eps: {:g})", attack.eps);
      metrics = train::evaluateUnderAttack(*m.net, set, m.labels.size(), batch, attack, kernels_,
                                           perturbSeed, m.labels);
    } else {
      throw std::runtime_error("unknown perturbation `" + fn + "` in the plan");
    }
    json keptUnder = json::object();
    for (const char *name : {"accuracy", "f1", "loss", "macro_f1"})
      if (metrics.contains(name))
        keptUnder[name] = metrics[name];
    under[label] = keptUnder;
  }
  if (!under.empty())
    kept["under"] = under;
  // How the evaluated examples relate to the model's training data: the examples it was trained
  // on, a held-out split of the same data set (in-distribution), or another data set (another
  // source: the held-out domain of the risk card's generalization row). A model not fine-tuned in
  // this run has no training data here (trainedOn is null).
  bool sameSource = m.finetuned && use.value("dataset", "") == m.trainedOn.value("dataset", "");
  bool heldOut = sameSource && !use.value("split", "").empty() &&
                 use.value("split", "") != m.trainedOn.value("split", "");
  if (m.finetuned)
    kept["relation_to_training"] = !sameSource ? "other_dataset" : heldOut ? "held_out_split" : "trained_on";
  // Membership-inference audit: training examples against held-out examples of the same source
  // (MembershipAudit.h). Against another data set the attack would separate the two sources, not
  // members from non-members, so none is run there.
  if (heldOut && !rows.empty()) {
    train::TokenizedSet members = tokenize(m, m.trainedOn, maxLen);
    json audit = train::membershipAudit(*m.net, members, set, batch, seed_);
    audit["members_from"] = m.trainedOn.value("split", "").empty() ? m.trainedOn.value("dataset", "")
                                                                     : m.trainedOn.value("split", "");
    kept["membership"] = audit;
  }
  metrics_[key] = kept;
  json event{{"event", "evaluate"}, {"model", modelName}, {"split", key}, {"metrics", kept}};
  recorder_->event(event);
  std::string line;
  for (const auto &[name, value] : kept.items())
    if (value.is_number_float())
      line += fmt::format(" {}={:.4f}", name, value.get<double>());
    else if (value.is_null())
      line += fmt::format(" {}=undefined", name);
  recorder_->message(fmt::format("evaluate {} on {}:{}", modelName, key, line));
}

void Driver::exportModel(const json &stage) {
  if (world_.rank != 0)
    return; // every rank holds the same weights; rank 0 writes them
  const std::string modelName = stage.at("model");
  LoadedModel &m = modelNamed(modelName);
  bool merge = stage["options"].value("merge_lora", true);
  fs::path target = stage.value("path", "");
  int64_t maxLen = m.finetuned ? m.trainedMaxLen : m.savedMaxLen;
  model::exportHf(*m.net, m.sourceDir, target, merge, maxLen);
  fs::path inRun = runDir_ / (models_.size() == 1 ? std::string("model") : "model-" + modelName);
  model::exportHf(*m.net, m.sourceDir, inRun, merge, maxLen);
  json reload = reloadCheck(m, target, maxLen);
  recorder_->message(fmt::format("export {}: {} (and {}); reloaded, max |Δ logit| {:.3g} on {} examples",
                                 modelName, target.string(), inRun.string(),
                                 reload["max_abs_diff"].get<double>(), reload["examples"].get<int64_t>()));
  json files = json::array();
  std::error_code ec;
  for (const auto &entry : fs::directory_iterator(target, ec))
    files.push_back(entry.path().filename().string());
  std::sort(files.begin(), files.end());
  recorder_->event({{"event", "export"},
                    {"model", modelName},
                    {"path", target.string()},
                    {"format", "huggingface"},
                    {"merged_lora", merge},
                    {"files", files},
                    {"reload", reload}});
}

// The export is read back as a user of it would (model::loadExported, the loader transformers'
// layout implies) and its logits compared with the trained model's on a few examples: an export
// that does not reproduce the model is an error, never a note.
json Driver::reloadCheck(LoadedModel &m, const fs::path &dir, int64_t maxLen) {
  constexpr double kTolerance = 1e-4; // fp32; merging LoRA adapters reorders sums (about 1e-6)
  std::vector<std::string> texts;
  if (m.finetuned)
    for (const data::Example &e : examples(m.trainedOn)) {
      texts.push_back(e.text);
      if (texts.size() == 8)
        break;
    }
  if (texts.empty())
    texts = {"The export is read back and compared with the model that wrote it.",
             "Subject: meeting moved to Thursday"};
  train::TokenizedSet set = train::tokenizeAll(*m.tokenizer, texts, std::vector<int32_t>(texts.size(), 0),
                                               static_cast<size_t>(std::max<int64_t>(2, std::min<int64_t>(maxLen > 0 ? maxLen : 64, 64))),
                                               threads_);
  std::vector<int64_t> all(set.size());
  std::iota(all.begin(), all.end(), 0);
  train::Batch batch = train::makeBatch(set, all, m.net->isCausalLm());
  double diff = model::verifyExport(*m.net, dir, batch.inputIds, batch.attentionMask, kTolerance);
  return json{{"examples", static_cast<int64_t>(set.size())}, {"max_abs_diff", diff}, {"tolerance", kTolerance}};
}

int Driver::run() {
  if (plan_.value("magic", "") != "ftp-plan" || plan_.value("version", 0) != 1)
    throw std::runtime_error("the plan is not an ftp-plan of version 1");
  seed_ = plan_["options"].value("seed", uint64_t{0});
  int configured = options_.threads > 0 ? options_.threads : plan_["settings"].value("threads", 0);
  threads_ = configured > 0 ? configured : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  at::set_num_threads(threads_);
  // OpenBLAS keeps its own pool, sized from OMP_NUM_THREADS or the core count when it loads, and
  // its results depend on it (measured: torchrun's OMP_NUM_THREADS=1 changed the metrics of a run
  // with --threads 1). The run's thread count is the manifest's, so it governs OpenBLAS too.
  using SetBlasThreads = void (*)(int);
  if (auto setBlasThreads = reinterpret_cast<SetBlasThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads")))
    setBlasThreads(threads_);
  joinRanks();
  prepareRunDir();
  auto pipelineHash = runtime::sha256FileHex(plan_.value("file", ""));
  pipelineHash_ = pipelineHash.value_or("");
  recorder_->writePlan(plan_);
  recorder_->setSeedAndThreads(seed_, threads_, world_.size);
  for (const json &d : plan_["datasets"])
    recorder_->addInput(d.value("resolved_path", ""), "data");
  for (const json &m : plan_["models"])
    recorder_->addInput(m.value("resolved_path", ""), "model");
  recorder_->message(fmt::format("run {} of pipeline {} (seed {}, {} threads, {} kernels{})",
                                 runDir_.string(), plan_.value("pipeline", ""), seed_, threads_,
                                 kernels_.name(),
                                 world_.distributed()
                                     ? fmt::format(", {} data-parallel processes", world_.size)
                                     : std::string()));
  size_t index = 0;
  for (const json &stage : plan_["stages"]) {
    std::string kind = stage.value("kind", "");
    if (kind == "finetune")
      finetune(stage, index);
    else if (kind == "evaluate")
      evaluate(stage);
    else if (kind == "export")
      exportModel(stage);
    ++index;
  }
  recorder_->writeDataReport(dataReport_);
  recorder_->writeMetrics(metrics_);
  recorder_->finish("finished");
  if (collective_)
    collective_->barrier(); // rank 0 has written everything when any rank reports success
  if (!options_.quiet && world_.rank == 0)
    std::cerr << "ftpc: run finished: " << runDir_.string() << "\n";
  return 0;
}

} // namespace

int runPlan(const std::string &planJson, const RunOptions &options, runtime::StepKernels &kernels) {
  json plan;
  try {
    plan = json::parse(planJson);
  } catch (const std::exception &e) {
    std::cerr << "ftpc: internal error: the plan is not valid JSON: " << e.what() << "\n";
    return 2;
  }
  Driver driver(std::move(plan), options, kernels);
  std::string userError, note;
  try {
    return driver.run();
  } catch (const UserError &e) {
    userError = e.what();
  } catch (const data::DataError &e) {
    userError = e.what();
  } catch (const model::ModelError &e) {
    userError = e.what();
  } catch (const runtime::TokenizerError &e) {
    userError = e.what();
  } catch (const train::CheckpointError &e) {
    userError = e.what();
  } catch (const dist::DistributedError &e) {
    userError = e.what(); // already names the rank
  } catch (const record::WriteError &e) {
    // A full disk or an unwritable folder: the environment's error (exit 1), not a bug.
    userError = e.what();
    note = driver.afterWriteError();
  } catch (const std::exception &e) {
    std::cerr << "ftpc: internal error: " << driver.errorPrefix() << e.what() << "\n";
    try {
      driver.markFailed(e.what());
    } catch (...) {
    }
    return 2;
  }
  if (userError.rfind("rank ", 0) != 0)
    userError = driver.errorPrefix() + userError;
  std::cerr << "ftpc: error: " << userError << "\n" << note;
  try {
    driver.markFailed(userError);
  } catch (...) {
  }
  return 1;
}

} // namespace ftp::run
