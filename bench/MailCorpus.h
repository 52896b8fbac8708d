//===- MailCorpus.h - the benchmarks' shared input: the first bytes of real mail ---===//
//
// The SpamAssassin fixture's mail files in sorted order, raw bytes, cut at `limit` bytes in all
// (the last mail shortened), one string per mail. Empty when the fixture is not prepared.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace ftp::bench {

inline std::string readAll(const std::filesystem::path &path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream data;
  data << in.rdbuf();
  return data.str();
}

inline std::vector<std::string> firstMails(const std::string &fixturesDir, size_t limit) {
  std::vector<std::string> out;
  std::filesystem::path root = std::filesystem::path(fixturesDir) / "spam-assassin";
  if (!std::filesystem::exists(root / ".ready"))
    return out;
  std::vector<std::filesystem::path> files;
  for (const auto &group : std::filesystem::directory_iterator(root))
    if (group.is_directory())
      for (const auto &mail : std::filesystem::directory_iterator(group.path()))
        files.push_back(mail.path());
  std::sort(files.begin(), files.end());
  size_t total = 0;
  for (const auto &path : files) {
    if (total >= limit)
      break;
    std::string text = readAll(path);
    if (total + text.size() > limit)
      text.resize(limit - total);
    total += text.size();
    out.push_back(std::move(text));
  }
  return out;
}

} // namespace ftp::bench
