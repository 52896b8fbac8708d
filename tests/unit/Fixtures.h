//===- Fixtures.h - locating prepared test fixtures -----------------------------===//
//
// Fixtures (corpora, the pretrained encoder) are prepared by scripts/fixtures.sh under the build
// tree. A test that needs one that is not there is skipped with the reason, never silently passed;
// CI prepares them all, so there nothing is skipped.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

namespace ftp::testing {

inline std::string fixturesDir() { return FTPC_FIXTURES_DIR; }

/// True when the fixture `name` (e.g. "all-MiniLM-L6-v2") is prepared.
inline bool haveFixture(const std::string &name) {
  return std::filesystem::exists(fixturesDir() + "/" + name + "/.ready");
}

} // namespace ftp::testing

/// Skips the current test unless fixture `name` is prepared; otherwise yields its folder.
#define FTPC_REQUIRE_FIXTURE(name)                                                                 \
  if (!::ftp::testing::haveFixture(name))                                                          \
  GTEST_SKIP() << "fixture `" << (name) << "` is not prepared in " << ::ftp::testing::fixturesDir() \
               << "; run scripts/fixtures.sh"
