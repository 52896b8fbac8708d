#include "ftp/record/Files.h"

#include "TestFiles.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>

using namespace ftp::record;
using ftp::record::testing::scratchDir;
using ftp::record::testing::writeText;

TEST(Files, Sha256NistVectors) {
  EXPECT_EQ(sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Files, HashFilesKeepsOrderAndReportsUnreadable) {
  auto dir = scratchDir();
  std::vector<std::string> paths;
  for (int i = 0; i < 50; ++i) {
    writeText(dir / ("f" + std::to_string(i)), std::string(static_cast<size_t>(i) * 997, 'x'));
    paths.push_back((dir / ("f" + std::to_string(i))).string());
  }
  paths.push_back((dir / "missing").string());
  auto digests = hashFiles(paths, 2);
  ASSERT_EQ(digests.size(), paths.size());
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(digests[i].sha256, sha256Hex(std::string(static_cast<size_t>(i) * 997, 'x')));
    EXPECT_EQ(digests[i].bytes, static_cast<uint64_t>(i) * 997);
  }
  EXPECT_TRUE(digests.back().sha256.empty());
  EXPECT_EQ(digests.back().error, "No such file or directory");
}

// The listing the lock and the tree hash rest on: sorted, recursive, hidden entries left out, and
// for models only the files a run reads.
TEST(Files, ListInputFiles) {
  auto dir = scratchDir();
  writeText(dir / "data/spam/b.txt", "b");
  writeText(dir / "data/ham/a.txt", "a");
  writeText(dir / "data/.ready", "");
  writeText(dir / "data/.git/x", "");
  writeText(dir / "model/config.json", "{}");
  writeText(dir / "model/model.safetensors", "w");
  writeText(dir / "model/README.md", "r");
  writeText(dir / "model/onnx/model.onnx", "o");
  std::string error;
  EXPECT_EQ(*listInputFiles((dir / "data").string(), "data", &error),
            (std::vector<std::string>{"ham/a.txt", "spam/b.txt"}));
  EXPECT_EQ(*listInputFiles((dir / "model").string(), "model", &error),
            (std::vector<std::string>{"config.json", "model.safetensors"}));
  EXPECT_EQ(*listInputFiles((dir / "data/ham/a.txt").string(), "data", &error),
            (std::vector<std::string>{"a.txt"}));
  EXPECT_FALSE(listInputFiles((dir / "nothing").string(), "data", &error));
}

// The tree hash is what sha256sum prints for the sorted files, hashed once more (Files.h).
TEST(Files, TreeHashMatchesSha256sumListing) {
  std::string a = sha256Hex("a"), b = sha256Hex("b");
  EXPECT_EQ(treeHash({"ham/a.txt", "spam/b.txt"}, {a, b}),
            sha256Hex(a + "  ham/a.txt\n" + b + "  spam/b.txt\n"));
}

TEST(Files, AtomicWriteReplacesAndLeavesNoTemporaries) {
  auto dir = scratchDir();
  std::string path = (dir / "out.txt").string(), error;
  ASSERT_TRUE(writeFileAtomically(path, "one", &error)) << error;
  ASSERT_TRUE(writeFileAtomically(path, "two", &error)) << error;
  EXPECT_EQ(*readFile(path, &error), "two");
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir),
                          std::filesystem::directory_iterator()),
            1);
  EXPECT_FALSE(writeFileAtomically((dir / "no/such/dir/x").string(), "x", &error));
}

// A full disk names the size that was to be written and the space the file system has (its parent
// folder need not exist any more); other errors are strerror alone.
TEST(Files, WriteFailureOnAFullDiskSaysHowMuchWasMissing) {
  auto dir = scratchDir();
  std::string why = describeWriteFailure((dir / "gone/state.safetensors").string(), ENOSPC, 363473944);
  EXPECT_EQ(why.rfind(std::strerror(ENOSPC), 0), 0u) << why;
  EXPECT_NE(why.find("(363.5 MB to write, "), std::string::npos) << why;
  EXPECT_NE(why.find("B free there)"), std::string::npos) << why;
  EXPECT_EQ(describeWriteFailure((dir / "x").string(), EFBIG, 10), std::strerror(EFBIG));
}

TEST(Files, SizesInDecimalUnitsAndFreeSpaceOfTheNearestFolder) {
  EXPECT_EQ(formatBytes(363473944), "363.5 MB");
  EXPECT_EQ(formatBytes(1453895776), "1.45 GB");
  auto dir = scratchDir();
  auto here = freeBytesAt(dir.string());
  auto below = freeBytesAt((dir / "not/yet/made.bin").string()); // the folder's file system
  ASSERT_TRUE(here && below);
  EXPECT_GT(*here, 0u);
  EXPECT_NEAR(static_cast<double>(*below), static_cast<double>(*here), 64e6); // others write too
}
