//===- Report.cpp - report.html: the page, the header, data and training ----------===//

#include "ftp/record/Report.h"

#include "ReportSections.h"
#include "Svg.h"
#include "ftp/record/Files.h"

#include <fmt/format.h>

#include <filesystem>
#include <map>
#include <set>
#include <sstream>

namespace fs = std::filesystem;

namespace ftp::record {
namespace report {

using svg::escape;

const Json &member(const Json &object, const std::string &key) {
  static const Json null;
  if (!object.is_object())
    return null;
  auto it = object.find(key);
  return it == object.end() ? null : *it;
}

std::string str(const Json &object, const std::string &key, const std::string &fallback) {
  const Json &value = member(object, key);
  return value.is_string() ? value.get<std::string>() : fallback;
}

std::string notMeasured(const std::string &why) {
  return "<p class=\"absent\">not measured" + (why.empty() ? "" : ": " + escape(why)) + "</p>\n";
}

std::string cell(const Json &value) {
  if (value.is_number_integer() || value.is_number_unsigned())
    return fmt::format("{}", value.get<int64_t>());
  if (value.is_number())
    return svg::number(value.get<double>(), 4);
  if (value.is_string())
    return escape(value.get<std::string>());
  return "—";
}

static std::string lastPart(const std::string &split) {
  return split.substr(split.rfind('.') == std::string::npos ? 0 : split.rfind('.') + 1);
}
bool isValidationSplit(const std::string &split) {
  std::string part = lastPart(split);
  return part == "val" || part == "valid" || part == "validation" || part == "dev";
}
bool isTestSplit(const std::string &split) { return lastPart(split) == "test"; }

std::vector<std::string> scalarMetrics(const Json &split) {
  std::vector<std::string> names;
  if (split.is_object())
    for (auto it = split.begin(); it != split.end(); ++it)
      if (it.value().is_number())
        names.push_back(it.key());
  return names;
}

std::string header(const ReportInput &in) {
  const Manifest *m = in.manifest ? &*in.manifest : nullptr;
  std::string title = m && !m->pipeline.empty() ? m->pipeline : "run";
  std::string out = "<header>\n<h1>" + escape(title) + "</h1>\n";
  if (!m)
    return out + notMeasured("manifest.toml is missing") + "</header>\n";
  std::string status = m->status.empty() ? "unknown" : m->status;
  std::string statusClass = status == "finished" ? "ok" : status == "running" ? "running" : "bad";
  out += fmt::format("<p class=\"subtitle\">run <code>{}</code> <span class=\"status {}\">{}</span></p>\n",
                     escape(m->runId), statusClass, escape(status));
  out += "<table class=\"facts\">\n";
  auto row = [&](const char *name, const std::string &value) {
    if (!value.empty())
      out += fmt::format("<tr><th>{}</th><td>{}</td></tr>\n", name, escape(value));
  };
  row("pipeline file", m->pipelineFile);
  row("seed", std::to_string(m->seed));
  row("threads", std::to_string(m->threads));
  row("kernels", m->kernels);
  row("started", m->startedAt);
  row("finished", m->finishedAt);
  row("ftpc", m->ftpcVersion);
  row("MLIR", m->mlirVersion);
  row("LibTorch", m->libtorchVersion);
  row("BLAS", m->blas);
  out += "</table>\n";
  for (const std::string &file : m->driftOverride)
    out += "<p class=\"warning\">ran with <code>--allow-drift</code>: <code>" + escape(file) +
           "</code> differs from ftp.lock</p>\n";
  for (const std::string &reason : m->allowPiiReasons)
    out += "<p class=\"warning\">personal data allowed through: " + escape(reason) + "</p>\n";
  for (const std::string &problem : in.problems)
    out += "<p class=\"warning\">" + escape(problem) + "</p>\n";
  return out + "</header>\n";
}

std::string dataSection(const ReportInput &in) {
  std::string out = "<section id=\"data\">\n<h2>Data</h2>\n";
  const Json &datasets = member(in.dataReport, "datasets");
  if (!datasets.is_array() || datasets.empty())
    return out + notMeasured("no data_report.json") + "</section>\n";
  for (const Json &d : datasets) {
    out += fmt::format("<h3>{} <small>{} {}</small></h3>\n", cell(member(d, "name")),
                       cell(member(d, "source")), cell(member(d, "path")));
    out += "<table class=\"numbers\"><tr><th>read</th><th>skipped</th><th>filtered</th></tr><tr>";
    for (const char *key : {"read", "skipped", "filtered"})
      out += "<td>" + cell(member(d, key)) + "</td>";
    out += "</tr></table>\n";
    if (d.contains("skipped_because") && d["skipped_because"].is_object() &&
        !d["skipped_because"].empty()) {
      out += "<p>skipped because: ";
      for (auto it = d["skipped_because"].begin(); it != d["skipped_because"].end(); ++it)
        out += escape(it.key()) + " " + cell(it.value()) + "; ";
      out += "</p>\n";
    }
    // Splits: one row each, one column per label (the union, in first-seen order).
    static const Json noSplits = Json::object();
    const Json &splits = member(d, "splits").is_object() ? member(d, "splits") : noSplits;
    std::vector<std::string> labels;
    auto addLabels = [&](const Json &counts) {
      if (counts.is_object())
        for (auto it = counts.begin(); it != counts.end(); ++it)
          if (std::find(labels.begin(), labels.end(), it.key()) == labels.end())
            labels.push_back(it.key());
    };
    addLabels(member(d, "labels"));
    for (auto it = splits.begin(); it != splits.end(); ++it)
      addLabels(member(it.value(), "labels"));
    out += "<table class=\"numbers\"><tr><th>split</th><th>examples</th>";
    for (const std::string &label : labels)
      out += "<th>" + escape(label) + "</th>";
    out += "</tr>\n";
    auto splitRow = [&](const std::string &name, const Json &size, const Json &counts) {
      out += "<tr><th>" + escape(name) + "</th><td>" + cell(size) + "</td>";
      for (const std::string &label : labels)
        out += "<td>" + cell(counts.is_object() ? member(counts, label) : Json()) + "</td>";
      out += "</tr>\n";
    };
    // An unsplit data set's one part is already named `all`.
    if (d.contains("labels") && !splits.contains("all"))
      splitRow("all", member(d, member(d, "size").is_null() ? "read" : "size"), d["labels"]);
    for (auto it = splits.begin(); it != splits.end(); ++it)
      splitRow(it.key(), member(it.value(), "size"), member(it.value(), "labels"));
    out += "</table>\n";
    if (d.contains("deid") && d["deid"].is_object() && !d["deid"].empty()) {
      out += "<table class=\"numbers\"><tr><th>de-identified</th>";
      for (auto it = d["deid"].begin(); it != d["deid"].end(); ++it)
        out += "<th>" + escape(it.key()) + "</th>";
      out += "</tr><tr><th>count</th>";
      for (auto it = d["deid"].begin(); it != d["deid"].end(); ++it)
        out += "<td>" + cell(it.value()) + "</td>";
      out += "</tr></table>\n";
    } else {
      out += "<p>de-identification: <span class=\"absent\">not measured</span></p>\n";
    }
  }
  return out + "</section>\n";
}

std::string trainingSection(const ReportInput &in) {
  std::string out = "<section id=\"training\">\n<h2>Training</h2>\n";
  // Series keyed by stage (several finetune blocks) and by validation split and metric.
  std::map<std::string, svg::Series> trainLoss, validLoss, validMetrics;
  std::vector<std::string> order; // first-seen order of the series names
  auto add = [&](std::map<std::string, svg::Series> &into, const std::string &name, double x,
                 double y, bool dashed) {
    svg::Series &s = into[name];
    if (s.name.empty()) {
      s.name = name;
      s.dashed = dashed;
      order.push_back(name);
    }
    s.points.emplace_back(x, y);
  };
  for (const Json &e : in.events) {
    std::string event = str(e, "event");
    if (!e.contains("step") || !e["step"].is_number())
      continue;
    double step = e["step"].get<double>();
    std::string stage = str(e, "stage");
    if (event == "train" && e.contains("loss") && e["loss"].is_number())
      add(trainLoss, stage.empty() ? "train loss" : "train loss (" + stage + ")", step,
          e["loss"].get<double>(), false);
    if (event == "validate" && e.contains("metrics") && e["metrics"].is_object()) {
      std::string split = str(e, "split", "validation");
      for (auto it = e["metrics"].begin(); it != e["metrics"].end(); ++it) {
        if (!it.value().is_number())
          continue;
        if (it.key() == "loss")
          add(validLoss, split + " loss", step, it.value().get<double>(), true);
        else
          add(validMetrics, split + " " + it.key(), step, it.value().get<double>(), false);
      }
    }
  }
  auto ordered = [&](std::map<std::string, svg::Series> &a, std::map<std::string, svg::Series> *b) {
    std::vector<svg::Series> list;
    for (const std::string &name : order) {
      if (a.count(name))
        list.push_back(a[name]);
      else if (b && b->count(name))
        list.push_back((*b)[name]);
    }
    return list;
  };
  out += "<div class=\"charts\">\n";
  if (trainLoss.empty() && validLoss.empty())
    out += notMeasured("metrics.jsonl has no training or validation events");
  else
    out += svg::linePlot({"Loss", "step", "loss", 500, 300, 0.0, std::nullopt, false},
                         ordered(trainLoss, &validLoss));
  if (!validMetrics.empty())
    out += svg::linePlot({"Validation metrics", "step", "value", 500, 300, std::nullopt, 1.0,
                          false},
                         ordered(validMetrics, nullptr));
  else
    out += "<p>validation metrics: <span class=\"absent\">not measured</span></p>\n";
  return out + "</div>\n</section>\n";
}

std::string recordsSection(const ReportInput &in) {
  std::string out = "<section id=\"records\">\n<h2>Inputs and outputs</h2>\n";
  if (!in.manifest || (in.manifest->inputs.empty() && in.manifest->outputs.empty()))
    return out + notMeasured("the manifest lists none") + "</section>\n";
  out += "<p>SHA-256 as pinned in manifest.toml; <code>ftpc verify</code> re-checks them.</p>\n"
         "<table class=\"files\"><tr><th></th><th>path</th><th>role</th><th>bytes</th>"
         "<th>sha256</th></tr>\n";
  auto rows = [&](const std::vector<ManifestFile> &files, const char *what) {
    for (const ManifestFile &f : files)
      out += fmt::format("<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td>"
                         "<td><code>{}</code></td></tr>\n",
                         what, escape(f.path),
                         escape(f.kind == "folder" ? f.role + " (" + std::to_string(f.files) +
                                                         " files)"
                                                   : f.role),
                         f.bytes, escape(f.sha256.substr(0, 16)));
  };
  rows(in.manifest->inputs, "in");
  rows(in.manifest->outputs, "out");
  return out + "</table>\n</section>\n";
}

} // namespace report

namespace {

const char *kStyle = R"(
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2330;margin:0;background:#f6f7f9}
main{max-width:1080px;margin:0 auto;padding:24px 32px;background:#fff}
h1{margin:0 0 4px;font-size:26px}h2{border-bottom:2px solid #e3e6eb;padding-bottom:4px;margin-top:32px}
h3{margin:18px 0 6px}h3 small{color:#667;font-weight:normal;font-size:13px}
.subtitle{margin:0 0 12px;color:#445}.status{padding:2px 8px;border-radius:10px;font-size:12px;color:#fff}
.status.ok{background:#1a7f37}.status.running{background:#9a6700}.status.bad{background:#cf222e}
table{border-collapse:collapse;margin:8px 0}th,td{padding:4px 10px;border:1px solid #e3e6eb;text-align:left}
table.numbers td,table.metrics td{text-align:right;font-variant-numeric:tabular-nums}
table.facts th{background:#f6f7f9;font-weight:600}table.files td{font-size:12px}
.absent{color:#8a8f98;font-style:italic;margin:4px 0}.warning{background:#fff8c5;padding:6px 10px;border-left:4px solid #d4a72c}
.charts{display:flex;flex-wrap:wrap;gap:0 24px;align-items:flex-start}
.chart{display:block;margin:12px 0;font-size:11px}.chart .title{font-size:13px;font-weight:600}
.chart .grid{stroke:#e3e6eb}.chart .tick{stroke:#667}.chart .frame{fill:none;stroke:#667}
.chart text{fill:#1d2330}.chart .legend{font-size:11px}
table.confusion td{width:64px;text-align:center;font-variant-numeric:tabular-nums}
.risk{border:1px solid #d0d7de;border-radius:6px;padding:4px 16px 12px;margin:12px 0}
footer{color:#8a8f98;font-size:12px;margin-top:32px}
)";

} // namespace

std::string renderReport(const ReportInput &in) {
  std::string title = in.manifest && !in.manifest->pipeline.empty()
                          ? in.manifest->pipeline + " — " + in.manifest->runId
                          : "ftpc run report";
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                    "<title>" + svg::escape(title) + "</title>\n<style>" + kStyle +
                    "</style>\n</head>\n<body>\n<main>\n";
  out += report::header(in);
  out += report::dataSection(in);
  out += report::trainingSection(in);
  out += report::metricsSection(in);
  out += report::riskCard(in);
  out += report::recordsSection(in);
  out += "<footer>written by ftpc" +
         (in.manifest ? " " + svg::escape(in.manifest->ftpcVersion) : std::string()) +
         " from the records in this run's folder</footer>\n</main>\n</body>\n</html>\n";
  return out;
}

ReportInput loadReportInput(const std::string &runDir) {
  ReportInput in;
  auto path = [&](const char *name) { return (fs::path(runDir) / name).string(); };
  std::error_code ec;
  auto readJson = [&](const char *name, nlohmann::ordered_json &into) {
    if (!fs::exists(path(name), ec))
      return;
    std::string error;
    auto text = readFile(path(name), &error);
    into = text ? nlohmann::ordered_json::parse(*text, nullptr, false) : nlohmann::ordered_json();
    if (!text || into.is_discarded()) {
      in.problems.push_back(fmt::format("{} could not be read{}", name, text ? "" : ": " + error));
      into = nullptr;
    }
  };
  if (fs::exists(path("manifest.toml"), ec)) {
    std::string error;
    in.manifest = readManifest(path("manifest.toml"), &error);
    if (!in.manifest)
      in.problems.push_back("manifest.toml could not be read: " + error);
  }
  readJson("metrics.json", in.metrics);
  readJson("data_report.json", in.dataReport);
  if (fs::exists(path("metrics.jsonl"), ec)) {
    std::string error;
    auto text = readFile(path("metrics.jsonl"), &error);
    std::istringstream lines(text.value_or(""));
    std::string line;
    size_t number = 0, bad = 0;
    while (std::getline(lines, line)) {
      ++number;
      if (line.find_first_not_of(" \t\r") == std::string::npos)
        continue;
      auto event = nlohmann::ordered_json::parse(line, nullptr, false);
      if (event.is_object())
        in.events.push_back(std::move(event));
      else
        ++bad; // a run killed mid-write leaves a torn last line: keep the rest
    }
    if (bad)
      in.problems.push_back(fmt::format("metrics.jsonl: {} of {} lines are not JSON objects", bad,
                                        number));
  }
  return in;
}

bool writeReport(const std::string &runDir, std::string *error) {
  return writeFileAtomically((fs::path(runDir) / "report.html").string(),
                             renderReport(loadReportInput(runDir)), error);
}

} // namespace ftp::record
