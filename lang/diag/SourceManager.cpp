//===- SourceManager.cpp - source buffers and locations -------------------------===//

#include "lang/diag/SourceManager.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <sys/stat.h>

namespace ftp::lang {

size_t codePointCount(std::string_view utf8) {
  return std::count_if(utf8.begin(), utf8.end(),
                       [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; });
}

uint32_t SourceManager::addBuffer(std::string name, std::string text) {
  Buffer buffer{std::move(name), std::move(text), {0}};
  for (uint32_t i = 0; i < buffer.text.size(); ++i) {
    char c = buffer.text[i];
    // "\r\n", "\n" and a lone "\r" each end a line.
    if (c == '\n' || (c == '\r' && (i + 1 == buffer.text.size() || buffer.text[i + 1] != '\n')))
      buffer.lineStarts.push_back(i + 1);
  }
  buffers_.push_back(std::move(buffer));
  return static_cast<uint32_t>(buffers_.size());
}

std::optional<uint32_t> SourceManager::addFile(const std::string &path, std::string *error) {
  struct stat info;
  if (stat(path.c_str(), &info) != 0) {
    *error = std::strerror(errno);
    return std::nullopt;
  }
  if (S_ISDIR(info.st_mode)) {
    *error = "it is a directory";
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = std::strerror(errno);
    return std::nullopt;
  }
  std::ostringstream contents;
  contents << in.rdbuf();
  if (in.bad()) {
    *error = "read error";
    return std::nullopt;
  }
  return addBuffer(path, contents.str());
}

LineColumn SourceManager::lineColumn(SourceLoc loc) const {
  if (!loc.valid())
    return {};
  const Buffer &buffer = buffers_.at(loc.file - 1);
  uint32_t offset = std::min<uint32_t>(loc.offset, buffer.text.size());
  auto next = std::upper_bound(buffer.lineStarts.begin(), buffer.lineStarts.end(), offset);
  uint32_t line = static_cast<uint32_t>(next - buffer.lineStarts.begin());
  uint32_t lineStart = buffer.lineStarts[line - 1];
  std::string_view before(buffer.text.data() + lineStart, offset - lineStart);
  return {line, static_cast<uint32_t>(codePointCount(before)) + 1};
}

std::string_view SourceManager::lineText(uint32_t file, uint32_t line) const {
  const Buffer &buffer = buffers_.at(file - 1);
  if (line == 0 || line > buffer.lineStarts.size())
    return {};
  uint32_t begin = buffer.lineStarts[line - 1];
  uint32_t end = line < buffer.lineStarts.size() ? buffer.lineStarts[line] : buffer.text.size();
  std::string_view text(buffer.text.data() + begin, end - begin);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
    text.remove_suffix(1);
  return text;
}

} // namespace ftp::lang
