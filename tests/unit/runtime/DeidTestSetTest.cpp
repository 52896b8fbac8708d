//===- DeidTestSetTest.cpp - recall and precision on the labelled test set --------===//
//
// data/deid_testset.jsonl: synthetic texts (reserved example domains, 555 numbers, issuers' test
// card numbers, documented example IBANs, TEST-NET addresses) with their gold spans by type and
// value, and hard negatives with none. A detection counts as a true positive when a gold span of
// the same type has exactly its text.
//
//===----------------------------------------------------------------------------------------===//

#include "ftp/deid/Detector.h"

#include "../Fixtures.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <iostream>
#include <map>

using namespace ftp::deid;

TEST(DeidTestSet, RecallAndPrecision) {
  bool names = ftp::testing::haveFixture("first-names");
  DetectorOptions options;
  if (names) {
    std::string dir = ftp::testing::fixturesDir() + "/first-names/";
    options.nameFiles = {dir + "female.txt", dir + "male.txt"};
  }
  Detector detector(options);

  std::ifstream in(FTPC_DEID_TESTSET);
  ASSERT_TRUE(in) << FTPC_DEID_TESTSET;
  struct Tally {
    size_t gold = 0, found = 0, correct = 0;
  };
  std::array<Tally, kNumEntityTypes> tally{};
  size_t lines = 0;
  std::string line;
  while (std::getline(in, line)) {
    ++lines;
    auto record = nlohmann::json::parse(line);
    std::string text = record["text"];
    std::multimap<EntityType, std::string> gold;
    for (const auto &span : record["spans"]) {
      EntityType type = *parseEntityTag(span["type"].get<std::string>());
      if (type == EntityType::Person && !names)
        continue;
      gold.emplace(type, span["value"].get<std::string>());
      ++tally[static_cast<int>(type)].gold;
    }
    for (const Span &span : detector.detect(text)) {
      std::string value = text.substr(span.begin, span.size());
      Tally &t = tally[static_cast<int>(span.type)];
      ++t.found;
      auto [first, last] = gold.equal_range(span.type);
      auto match = std::find_if(first, last, [&](const auto &g) { return g.second == value; });
      if (match != last) {
        ++t.correct;
        gold.erase(match);
      } else {
        std::cout << fmt::format("  false positive {} `{}` in line {}\n", entityTag(span.type),
                                 value, lines);
      }
    }
    for (const auto &[type, value] : gold)
      std::cout << fmt::format("  missed {} `{}` in line {}\n", entityTag(type), value, lines);
  }
  EXPECT_GE(lines, 140u);

  std::cout << "| type | gold | found | recall | precision |\n|---|---|---|---|---|\n";
  for (int i = 0; i < kNumEntityTypes; ++i) {
    const Tally &t = tally[i];
    EntityType type = static_cast<EntityType>(i);
    if (t.gold == 0 && t.found == 0)
      continue;
    double recall = t.gold ? double(t.correct) / t.gold : 1.0;
    double precision = t.found ? double(t.correct) / t.found : 1.0;
    std::cout << fmt::format("| {} | {} | {} | {:.3f} | {:.3f} |\n", entityTag(type), t.gold,
                             t.found, recall, precision);
    if (type != EntityType::Person) {
      EXPECT_GE(recall, 0.99) << entityTag(type);
      EXPECT_GE(precision, 0.95) << entityTag(type);
    } else {
      EXPECT_GE(recall, 0.9);
      EXPECT_GE(precision, 0.9);
    }
  }
}
