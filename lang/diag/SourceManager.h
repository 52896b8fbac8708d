//===- SourceManager.h - source buffers and locations ---------------------------===//
//
// Owns the text of every file the front end reads (pipelines, imported modules, ftp.toml, the
// pseudo-file of --set arguments) and turns byte offsets into line:column positions.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ftp::lang {

/// A position in a buffer: file id (1-based; 0 means "no location") and byte offset.
struct SourceLoc {
  uint32_t file = 0;
  uint32_t offset = 0;

  bool valid() const { return file != 0; }
  SourceLoc advanced(uint32_t bytes) const { return {file, offset + bytes}; }
};

/// A half-open byte range [begin, end) within one buffer.
struct SourceRange {
  SourceLoc begin;
  SourceLoc end;

  SourceRange() = default;
  SourceRange(SourceLoc b, SourceLoc e) : begin(b), end(e) {}
  explicit SourceRange(SourceLoc at) : begin(at), end(at) {}
  bool valid() const { return begin.valid(); }
};

/// 1-based line and column; the column counts Unicode code points, as editors do.
struct LineColumn {
  uint32_t line = 0;
  uint32_t column = 0;
};

class SourceManager {
public:
  /// Adds an in-memory buffer and returns its file id.
  uint32_t addBuffer(std::string name, std::string text);

  /// Reads a file from disk; on failure returns std::nullopt and sets `error` to the reason.
  std::optional<uint32_t> addFile(const std::string &path, std::string *error);

  const std::string &name(uint32_t file) const { return buffers_.at(file - 1).name; }
  std::string_view text(uint32_t file) const { return buffers_.at(file - 1).text; }
  size_t bufferCount() const { return buffers_.size(); }

  LineColumn lineColumn(SourceLoc loc) const;

  /// The text of a 1-based line, without its line terminator.
  std::string_view lineText(uint32_t file, uint32_t line) const;

private:
  struct Buffer {
    std::string name;
    std::string text;
    std::vector<uint32_t> lineStarts; // byte offset of the first character of each line
  };
  std::vector<Buffer> buffers_;
};

/// Number of code points in a UTF-8 string (continuation bytes are not counted).
size_t codePointCount(std::string_view utf8);

} // namespace ftp::lang
