//===- ReportMetrics.cpp - report.html: final metrics and the risk card -----------===//

#include "ReportSections.h"
#include "Svg.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <cctype>
#include <cstdlib>

namespace ftp::record::report {

using svg::escape;

namespace {

/// A confusion matrix as a table whose cells are shaded by their share of the row (the true
/// label), so that the errors of a small class are as visible as those of a large one.
std::string confusion(const Json &c) {
  const Json &labels = member(c, "labels");
  const Json &matrix = member(c, "matrix");
  if (!labels.is_array() || !matrix.is_array() || matrix.size() != labels.size())
    return notMeasured("the confusion matrix is malformed");
  std::string out = "<table class=\"confusion\"><tr><th>true \\ predicted</th>";
  for (const Json &label : labels)
    out += "<th>" + cell(label) + "</th>";
  out += "</tr>\n";
  for (size_t r = 0; r < matrix.size(); ++r) {
    out += "<tr><th>" + cell(labels[r]) + "</th>";
    double total = 0;
    for (const Json &v : matrix[r])
      total += v.is_number() ? v.get<double>() : 0;
    for (const Json &v : matrix[r]) {
      double share = total > 0 && v.is_number() ? v.get<double>() / total : 0;
      out += fmt::format("<td style=\"background:rgba(0,114,178,{:.3f});color:{}\">{}</td>",
                         share, share > 0.55 ? "#fff" : "#1d2330", cell(v));
    }
    out += "</tr>\n";
  }
  return out + "</table>\n";
}

std::optional<double> number(const Json &object, const char *key) {
  if (object.is_object() && object.contains(key) && object[key].is_number())
    return object[key].get<double>();
  return std::nullopt;
}

/// The membership-inference audits of the evaluations (metrics.json's `membership` entries).
std::string membershipAudits(const ReportInput &in) {
  std::string rows;
  if (in.metrics.is_object())
    for (auto split = in.metrics.begin(); split != in.metrics.end(); ++split) {
      const Json &audit = member(split.value(), "membership");
      if (!audit.is_object())
        continue;
      rows += fmt::format("<tr><th>{}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                          escape(split.key()), cell(member(audit, "auc")), cell(member(audit, "advantage")),
                          cell(member(audit, "members")), cell(member(audit, "non_members")));
    }
  if (rows.empty())
    return "";
  return "<h4>Membership inference (loss-threshold attack)</h4>\n<table class=\"metrics\"><tr>"
         "<th>held-out set</th><th>AUC</th><th>advantage</th><th>members</th><th>non-members</th>"
         "</tr>\n" +
         rows +
         "</table>\n<p>AUC 0.5: the attack cannot tell training examples from held-out ones better "
         "than chance; 1: it always can. Advantage: its best true-positive rate minus false-positive "
         "rate.</p>\n";
}

std::string privacy(const ReportInput &in) {
  std::string out = "<div class=\"risk\"><h3>Privacy (DP-SGD)</h3>\n";
  if (!in.manifest || !in.manifest->privacy)
    return out + notMeasured("trained without differential privacy") + membershipAudits(in) + "</div>\n";
  const PrivacyRecord &p = *in.manifest->privacy;
  out += fmt::format("<table class=\"numbers\"><tr><th>ε spent</th><th>δ</th><th>noise σ</th>"
                     "<th>sample rate q</th><th>steps T</th><th>accountant</th></tr>"
                     "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>"
                     "</table>\n",
                     svg::number(p.epsilon), svg::number(p.delta), svg::number(p.noiseMultiplier),
                     svg::number(p.sampleRate), p.steps, escape(p.accountant));
  out += fmt::format("<p>With probability at least 1 − δ, adding or removing any one training "
                     "example changes the probability of any outcome of training by at most a "
                     "factor e<sup>ε</sup> ≈ {}.</p>\n",
                     std::exp(p.epsilon) >= 100 ? fmt::format("{:.0f}", std::exp(p.epsilon))
                                                : svg::number(std::exp(p.epsilon), 3));
  return out + membershipAudits(in) + "</div>\n";
}

/// The attack strength in a perturbation's name: `fgsm(eps: 0.01)` -> ("fgsm", 0.01). Parsed by
/// hand: the names come from user files, and std::regex recurses per character.
std::optional<std::pair<std::string, double>> attackStrength(const std::string &name) {
  size_t begin = name.find_first_not_of(' ');
  size_t end = begin;
  while (end < name.size() && (std::isalnum(static_cast<unsigned char>(name[end])) || name[end] == '_'))
    ++end;
  if (begin == std::string::npos || end == begin || end >= name.size() || name[end] != '(')
    return std::nullopt;
  for (size_t at = name.find("eps", end); at != std::string::npos; at = name.find("eps", at + 1)) {
    bool wordStart = !std::isalnum(static_cast<unsigned char>(name[at - 1])) && name[at - 1] != '_';
    size_t colon = name.find_first_not_of(' ', at + 3);
    if (!wordStart || colon == std::string::npos || name[colon] != ':')
      continue;
    const char *digits = name.c_str() + colon + 1;
    char *parsed = nullptr;
    double eps = std::strtod(digits, &parsed);
    if (parsed != digits && std::isfinite(eps))
      return std::make_pair(name.substr(begin, end - begin), eps);
  }
  return std::nullopt;
}

std::string robustness(const ReportInput &in) {
  std::string out = "<div class=\"risk\"><h3>Robustness</h3>\n";
  bool any = false;
  if (in.metrics.is_object())
    for (auto split = in.metrics.begin(); split != in.metrics.end(); ++split) {
      const Json &under = member(split.value(), "under");
      if (!under.is_object() || under.empty())
        continue;
      any = true;
      std::optional<double> clean = number(split.value(), "accuracy");
      out += "<h4>" + escape(split.key()) + "</h4>\n<table class=\"metrics\"><tr><th>perturbation"
             "</th><th>accuracy</th><th>change vs clean</th><th>f1</th></tr>\n";
      if (clean)
        out += fmt::format("<tr><th>clean</th><td>{}</td><td></td><td>{}</td></tr>\n",
                           svg::number(*clean), cell(member(split.value(), "f1")));
      std::vector<svg::Bar> bars;
      std::map<std::string, std::vector<std::pair<double, double>>> attacks;
      for (auto it = under.begin(); it != under.end(); ++it) {
        std::optional<double> accuracy = number(it.value(), "accuracy");
        out += fmt::format("<tr><th>{}</th><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                           escape(it.key()), cell(member(it.value(), "accuracy")),
                           accuracy && clean ? fmt::format("{:+.4f}", *accuracy - *clean) : "—",
                           cell(member(it.value(), "f1")));
        if (!accuracy)
          continue;
        bars.push_back({it.key(), *accuracy});
        if (auto attack = attackStrength(it.key()))
          attacks[attack->first].emplace_back(attack->second, *accuracy);
      }
      out += "</table>\n";
      std::optional<std::pair<std::string, double>> reference;
      if (clean)
        reference = std::make_pair(std::string("clean"), *clean);
      out += "<div class=\"charts\">\n";
      out += svg::barChart({"Accuracy under perturbation: " + split.key(), "accuracy", "", 500,
                            0, 0.0, 1.0, false},
                           bars, reference);
      // Accuracy against attack strength, for attacks run at several strengths.
      std::vector<svg::Series> curves;
      for (auto &[attack, points] : attacks) {
        if (points.size() < 2)
          continue;
        if (clean)
          points.emplace_back(0.0, *clean);
        std::sort(points.begin(), points.end());
        curves.push_back({attack, points, false});
      }
      if (!curves.empty())
        out += svg::linePlot({"Accuracy vs attack strength: " + split.key(), "attack ε",
                              "accuracy", 440, 300, 0.0, 1.0, true},
                             curves);
      out += "</div>\n";
    }
  if (!any)
    out += notMeasured("no evaluation under perturbations or attacks");
  return out + "</div>\n";
}

/// Accuracy on data sets from another source than the training data (metrics.json's
/// `relation_to_training: other_dataset`) beside the in-distribution test accuracy (a held-out
/// split of the training data, preferring one named `test`).
std::string heldOutDomain(const ReportInput &in) {
  std::optional<double> inDistribution;
  std::string inDistributionName;
  std::vector<std::pair<std::string, const Json *>> others;
  if (in.metrics.is_object())
    for (auto it = in.metrics.begin(); it != in.metrics.end(); ++it) {
      std::string relation = str(it.value(), "relation_to_training");
      if (relation == "other_dataset")
        others.emplace_back(it.key(), &it.value());
      std::optional<double> accuracy = number(it.value(), "accuracy");
      if (relation == "held_out_split" && accuracy && (!inDistribution || (!isTestSplit(inDistributionName) && isTestSplit(it.key()))))
        inDistribution = accuracy, inDistributionName = it.key();
    }
  std::string out = "<h4>Held-out domain</h4>\n";
  if (others.empty())
    return out + notMeasured("no evaluation on a second data set; `evaluate MODEL on OTHER` with data "
                             "from another source (another year, sender or product) measures it");
  out += "<table class=\"metrics\"><tr><th>data set</th><th>accuracy</th><th>in-distribution (" +
         escape(inDistributionName.empty() ? "none" : inDistributionName) +
         ")</th><th>gap</th><th>labels present</th></tr>\n";
  for (const auto &[name, metrics] : others) {
    std::optional<double> accuracy = number(*metrics, "accuracy");
    std::string present;
    for (const Json &label : member(*metrics, "labels_present"))
      present += (present.empty() ? "" : ", ") + cell(label);
    out += fmt::format("<tr><th>{}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                       escape(name), cell(member(*metrics, "accuracy")),
                       inDistribution ? svg::number(*inDistribution) : "—",
                       accuracy && inDistribution ? fmt::format("{:+.4f}", *accuracy - *inDistribution) : "—",
                       present.empty() ? "all" : present);
  }
  return out + "</table>\n<p>Accuracy on data from another source than the training data, beside the "
               "accuracy on a held-out split of the training data: the gap is what a change of "
               "domain costs.</p>\n";
}

std::string generalization(const ReportInput &in) {
  std::string out = "<div class=\"risk\"><h3>Generalization gap</h3>\n";
  Json validation, test;
  std::string validationName, testName;
  if (in.metrics.is_object())
    for (auto it = in.metrics.begin(); it != in.metrics.end(); ++it) {
      if (isValidationSplit(it.key()) && validation.is_null())
        validation = it.value(), validationName = it.key();
      if (isTestSplit(it.key()) && test.is_null())
        test = it.value(), testName = it.key();
    }
  // Without a final evaluation on the validation split, the last validation during training.
  for (auto e = in.events.rbegin(); validation.is_null() && e != in.events.rend(); ++e)
    if (str(*e, "event") == "validate" && e->contains("metrics"))
      validation = (*e)["metrics"],
      validationName = str(*e, "split", "validation") + " (last validation)";
  std::vector<std::string> shared;
  for (const std::string &metric : scalarMetrics(validation))
    if (number(test, metric.c_str()))
      shared.push_back(metric);
  if (shared.empty()) {
    out += notMeasured("needs the same metric on a validation and a test split");
  } else {
    out += fmt::format("<table class=\"metrics\"><tr><th>metric</th><th>{}</th><th>{}</th>"
                       "<th>gap (test − validation)</th></tr>\n",
                       escape(validationName), escape(testName));
    for (const std::string &metric : shared) {
      double v = *number(validation, metric.c_str()), t = *number(test, metric.c_str());
      out += fmt::format("<tr><th>{}</th><td>{}</td><td>{}</td><td>{:+.4f}</td></tr>\n",
                         escape(metric), svg::number(v), svg::number(t), t - v);
    }
    out += "</table>\n";
  }
  return out + heldOutDomain(in) + "</div>\n";
}

} // namespace

std::string metricsSection(const ReportInput &in) {
  std::string out = "<section id=\"metrics\">\n<h2>Final metrics</h2>\n";
  if (!in.metrics.is_object() || in.metrics.empty())
    return out + notMeasured("no metrics.json") + "</section>\n";
  std::vector<std::string> columns;
  for (auto it = in.metrics.begin(); it != in.metrics.end(); ++it)
    for (const std::string &name : scalarMetrics(it.value()))
      if (std::find(columns.begin(), columns.end(), name) == columns.end())
        columns.push_back(name);
  out += "<table class=\"metrics\"><tr><th>split</th>";
  for (const std::string &name : columns)
    out += "<th>" + escape(name) + "</th>";
  out += "</tr>\n";
  for (auto it = in.metrics.begin(); it != in.metrics.end(); ++it) {
    out += "<tr><th>" + escape(it.key()) + "</th>";
    for (const std::string &name : columns)
      out += "<td>" + cell(member(it.value(), name)) + "</td>";
    out += "</tr>\n";
  }
  out += "</table>\n";
  for (auto it = in.metrics.begin(); it != in.metrics.end(); ++it)
    if (it.value().contains("confusion")) {
      out += "<h3>Confusion matrix: " + escape(it.key()) + "</h3>\n";
      out += confusion(it.value()["confusion"]);
    }
  return out + "</section>\n";
}

/// The fourth risk: can the model be used without ftpc, and is what it depends on pinned? The
/// exports (metrics.jsonl's `export` events: format, files, the reload check done when writing)
/// and the versions and hashes of manifest.toml.
std::string dependency(const ReportInput &in) {
  std::string out = "<div class=\"risk\"><h3>Dependency</h3>\n";
  std::string rows;
  for (const auto &e : in.events) {
    if (str(e, "event") != "export")
      continue;
    const Json &reload = member(e, "reload");
    std::string files;
    for (const Json &file : member(e, "files"))
      files += (files.empty() ? "" : ", ") + cell(file);
    rows += fmt::format("<tr><th>{}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                        cell(member(e, "model")), cell(member(e, "path")),
                        str(e, "format").empty() ? "—" : escape(str(e, "format")) + " (transformers loads it)",
                        files.empty() ? "—" : files,
                        reload.is_object() ? "max |Δ logit| " + cell(member(reload, "max_abs_diff")) + " on " +
                                                 cell(member(reload, "examples")) + " examples"
                                           : "—");
  }
  if (rows.empty())
    out += notMeasured("no export; an `export` stage writes a HuggingFace folder that transformers "
                       "loads without ftpc, checked by reading it back");
  else
    out += "<table class=\"metrics\"><tr><th>model</th><th>export</th><th>format</th><th>files</th>"
           "<th>reloaded and compared</th></tr>\n" +
           rows + "</table>\n";
  if (in.manifest) {
    const Manifest &m = *in.manifest;
    out += fmt::format("<p>Pinned in manifest.toml: ftpc {}, MLIR {}, LibTorch {}, BLAS {}; SHA-256 "
                       "of {} inputs and {} outputs (<code>ftpc verify</code> checks them).</p>\n",
                       escape(m.ftpcVersion), escape(m.mlirVersion), escape(m.libtorchVersion),
                       escape(m.blas), m.inputs.size(), m.outputs.size());
  }
  return out + "</div>\n";
}

std::string riskCard(const ReportInput &in) {
  return "<section id=\"risk-card\">\n<h2>Risk card</h2>\n" + privacy(in) + robustness(in) +
         generalization(in) + dependency(in) + "</section>\n";
}

} // namespace ftp::record::report
