#include "lang/diag/SourceManager.h"

#include <gtest/gtest.h>

using namespace ftp::lang;

TEST(SourceManager, LineAndColumnAreOneBased) {
  SourceManager sources;
  uint32_t f = sources.addBuffer("p.ftp", "ab\ncd\n");
  EXPECT_EQ(sources.lineColumn({f, 0}).line, 1u);
  EXPECT_EQ(sources.lineColumn({f, 0}).column, 1u);
  EXPECT_EQ(sources.lineColumn({f, 4}).line, 2u);
  EXPECT_EQ(sources.lineColumn({f, 4}).column, 2u);
}

TEST(SourceManager, ColumnsCountCodePointsNotBytes) {
  SourceManager sources;
  // "é" is two bytes in UTF-8, "→" three: `x` after them is the 3rd character.
  uint32_t f = sources.addBuffer("p.ftp", "é→x");
  LineColumn at = sources.lineColumn({f, 5});
  EXPECT_EQ(at.line, 1u);
  EXPECT_EQ(at.column, 3u);
}

TEST(SourceManager, CrLfAndLoneCrEndLines) {
  SourceManager sources;
  uint32_t f = sources.addBuffer("p.ftp", "a\r\nb\rc");
  EXPECT_EQ(sources.lineColumn({f, 3}).line, 2u);
  EXPECT_EQ(sources.lineColumn({f, 5}).line, 3u);
  EXPECT_EQ(sources.lineText(f, 1), "a");
  EXPECT_EQ(sources.lineText(f, 2), "b");
  EXPECT_EQ(sources.lineText(f, 3), "c");
  EXPECT_EQ(sources.lineText(f, 4), "");
}

TEST(SourceManager, OffsetAtEndOfFileIsOnLastLine) {
  SourceManager sources;
  uint32_t f = sources.addBuffer("p.ftp", "abc\n");
  LineColumn at = sources.lineColumn({f, 4});
  EXPECT_EQ(at.line, 2u);
  EXPECT_EQ(at.column, 1u);
}

TEST(SourceManager, MissingFileReportsReason) {
  SourceManager sources;
  std::string error;
  EXPECT_FALSE(sources.addFile("/nonexistent/ftpc/p.ftp", &error));
  EXPECT_EQ(error, "No such file or directory");
  EXPECT_FALSE(sources.addFile("/", &error));
  EXPECT_EQ(error, "it is a directory");
}
