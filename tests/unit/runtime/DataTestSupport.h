//===- DataTestSupport.h - temporary files and plans for the data tests ---------===//
#pragma once

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

namespace ftp::data::testing {

/// A fresh folder under the system temp dir, removed at the end of the test.
class TempDir {
public:
  TempDir() {
    std::string name = std::string("ftp-data-") +
                       ::testing::UnitTest::GetInstance()->current_test_info()->name() + "-" +
                       std::to_string(::getpid());
    path_ = std::filesystem::temp_directory_path() / name;
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  /// Writes `content` to `relative` (folders created); returns the absolute path.
  std::string write(const std::string &relative, const std::string &content) const {
    auto file = path_ / relative;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << content;
    return file.string();
  }
  std::string path() const { return path_.string(); }

private:
  std::filesystem::path path_;
};

} // namespace ftp::data::testing
