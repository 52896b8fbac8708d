//===- ExportData.cpp - the examples a pipeline trains on, as JSONL, for the anchors -===//
//
// bench/anchors/run.py compares ftpc with HF Transformers' Trainer and Opacus on the same job. The
// anchors must see exactly the examples ftpc sees: the texts after `email_text` and `deidentify`,
// and the parts of `sample` and `split`. Rather than re-implement the data stage in Python (the
// e-mail decoder and the detectors cannot be matched byte for byte), this program runs ftpc's own
// data stage, ftp::data::loadDataset from the static library ftp_data, on the dataset sections of
// a compiled plan, as RunDriver does (the pipeline's seed, first-name lists, $FTPC_DEID_KEY).
//
//   anchors-export-data PLAN.json OUTDIR [THREADS]
//
// PLAN.json is `ftpc --emit=plan FILE`. For every dataset D and part P it writes OUTDIR/D.P.jsonl
// (P is "all" without `split`), one {"origin", "label", "text"} object a line in the part's order,
// and OUTDIR/D.report.json, the data report `ftpc run` puts in data_report.json. The output does
// not depend on THREADS (docs/data.md). Exit 1 on a data error, 2 on a bad plan.
//
// It writes the text of the examples: meant for the benchmark's own build folder, not for a
// record that leaves the machine.
//
//===----------------------------------------------------------------------------------------===//

#include "ftp/data/Dataset.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using nlohmann::json;

namespace {


bool hashesWithoutKey(const json &dataset) {
  if (std::getenv("FTPC_DEID_KEY"))
    return false;
  for (const json &t : dataset.value("transforms", json::array()))
    if (t.value("fn", "") == "deidentify" && t.value("mode", "") == "hash")
      return true;
  return false;
}

} // namespace

int main(int argc, char **argv) {
  if (argc < 3 || argc > 4) {
    std::cerr << "usage: anchors-export-data PLAN.json OUTDIR [THREADS]\n";
    return 2;
  }
  std::ifstream in(argv[1]);
  json plan = json::parse(in, nullptr, false);
  if (!in || plan.is_discarded() || plan.value("magic", "") != "ftp-plan" || !plan.contains("datasets")) {
    std::cerr << "anchors-export-data: " << argv[1] << ": not a plan (`ftpc --emit=plan FILE`)\n";
    return 2;
  }
  fs::path out = argv[2];
  fs::create_directories(out);
  int threads = argc == 4 ? std::max(1, std::atoi(argv[3])) : 1;
  for (const json &dataset : plan["datasets"]) {
    std::string name = dataset.value("name", "");
    if (hashesWithoutKey(dataset)) {
      std::cerr << "anchors-export-data: dataset " << name << " uses `deidentify(mode: hash)`: set "
                << "FTPC_DEID_KEY, or the hashes differ from the run's (a random key per process)\n";
      return 1;
    }
    std::vector<std::string> names = ftp::data::nameListsOf(dataset).files; // as RunDriver reads them
    ftp::data::LoadOptions options;
    options.seed = plan["options"].value("seed", uint64_t{0});
    options.threads = threads;
    options.firstNames = &names;
    if (const char *key = std::getenv("FTPC_DEID_KEY"))
      options.deidKey = key;
    try {
      ftp::data::LoadedDataset loaded = ftp::data::loadDataset(dataset, options);
      for (const auto &[part, examples] : loaded.splits) {
        std::ofstream lines(out / (name + "." + (part.empty() ? "all" : part) + ".jsonl"));
        for (const ftp::data::Example &e : examples) {
          json line{{"origin", e.origin},
                    {"label", e.label >= 0 ? json(loaded.labels.at(static_cast<size_t>(e.label))) : json()},
                    {"text", e.text}};
          lines << line.dump(-1, ' ', false, json::error_handler_t::replace) << "\n";
        }
      }
      std::ofstream(out / (name + ".report.json")) << loaded.report.toJson().dump(2) << "\n";
    } catch (const ftp::data::DataError &e) {
      std::cerr << "anchors-export-data: " << e.what() << "\n";
      return 1;
    }
  }
  return 0;
}
