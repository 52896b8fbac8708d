#include "ftp/record/Lock.h"
#include "ftp/record/Files.h"

#include "TestFiles.h"

#include <gtest/gtest.h>

using namespace ftp::record;
using ftp::record::testing::scratchDir;
using ftp::record::testing::writeText;

namespace {

struct LockFixture {
  std::filesystem::path dir = scratchDir();
  std::vector<LockInput> inputs;
  LockFixture() {
    writeText(dir / "project/data/mail/ham/1.txt", "hello");
    writeText(dir / "project/data/mail/spam/2.txt", "buy now");
    writeText(dir / "project/data/tickets.csv", "text,label\nx,a\n");
    writeText(dir / "models/tiny/config.json", "{}");
    writeText(dir / "models/tiny/vocab.txt", "[PAD]\n");
    writeText(dir / "models/tiny/README.md", "not read by a run");
    writeText(dir / "project/p.ftp", "ftp 0.1\n");
    inputs = {{"data", "mail", (dir / "project/data/mail").string()},
              {"data", "tickets", (dir / "project/data/tickets.csv").string()},
              {"model", "clf", (dir / "models/tiny").string()}};
  }
  PipelineLock lock() {
    std::string error;
    auto lock = computeLock(inputs, (dir / "project").string(), &error);
    EXPECT_TRUE(lock) << error;
    return lock.value_or(PipelineLock{});
  }
};

std::vector<std::string> described(const std::vector<Drift> &drifts) {
  std::vector<std::string> lines;
  for (const Drift &d : drifts)
    lines.push_back(describeDrift(d));
  return lines;
}

} // namespace

TEST(Lock, ComputesRelativePathsAndPerFileHashes) {
  LockFixture f;
  PipelineLock lock = f.lock();
  ASSERT_EQ(lock.size(), 3u);
  EXPECT_EQ(lock[0].path, "data/mail");
  EXPECT_TRUE(lock[0].folder);
  EXPECT_EQ(lock[0].files.size(), 2u);
  EXPECT_EQ(lock[0].files.at("ham/1.txt"), sha256Hex("hello"));
  EXPECT_EQ(lock[1].path, "data/tickets.csv");
  EXPECT_FALSE(lock[1].folder);
  EXPECT_EQ(lock[1].files.count("tickets.csv"), 1u);
  EXPECT_EQ(lock[2].path, "../models/tiny");
  EXPECT_EQ(lock[2].files.size(), 2u); // README.md is not pinned
}

TEST(Lock, WriteReadRoundTripKeepsOtherPipelines) {
  LockFixture f;
  LockFile file;
  file.pipelines["p.ftp"] = f.lock();
  file.pipelines["other.ftp"] = {{"data", "x", "x.csv", false, {{"x.csv", std::string(64, 'e')}}}};
  std::string path = (f.dir / "project/ftp.lock").string(), error;
  ASSERT_TRUE(writeLock(path, file, &error)) << error;
  auto back = readLock(path, &error);
  ASSERT_TRUE(back) << error;
  ASSERT_EQ(back->pipelines.size(), 2u);
  EXPECT_TRUE(compareLock(back->pipelines["p.ftp"], file.pipelines["p.ftp"]).empty());
  EXPECT_EQ(back->pipelines["other.ftp"][0].files.at("x.csv"), std::string(64, 'e'));
  EXPECT_FALSE(back->pipelines["other.ftp"][0].folder);
  EXPECT_EQ(formatLock(*back), formatLock(file));
}

TEST(Lock, DriftModifiedAddedRemoved) {
  LockFixture f;
  PipelineLock before = f.lock();
  writeText(f.dir / "project/data/mail/ham/1.txt", "hello, changed");
  writeText(f.dir / "project/data/mail/spam/9.txt", "new");
  std::filesystem::remove(f.dir / "project/data/mail/spam/2.txt");
  writeText(f.dir / "project/data/tickets.csv", "text,label\nx,b\n");
  writeText(f.dir / "models/tiny/README.md", "edited: not pinned, not drift");
  std::vector<Drift> drifts = compareLock(before, f.lock());
  ASSERT_EQ(drifts.size(), 4u);
  EXPECT_EQ(drifts[0].kind, Drift::Kind::Modified);
  EXPECT_EQ(drifts[0].path, "data/mail/ham/1.txt");
  EXPECT_EQ(drifts[0].oldSha256, sha256Hex("hello"));
  EXPECT_EQ(drifts[0].newSha256, sha256Hex("hello, changed"));
  EXPECT_EQ(drifts[1].kind, Drift::Kind::Removed);
  EXPECT_EQ(drifts[1].path, "data/mail/spam/2.txt");
  EXPECT_EQ(drifts[2].kind, Drift::Kind::Added);
  EXPECT_EQ(drifts[2].path, "data/mail/spam/9.txt");
  EXPECT_EQ(drifts[3].kind, Drift::Kind::Modified);
  EXPECT_EQ(drifts[3].path, "data/tickets.csv");
  auto lines = described(drifts);
  EXPECT_EQ(lines[0].rfind("modified: data/mail/ham/1.txt (data `mail`): sha256 ", 0), 0u)
      << lines[0];
  EXPECT_EQ(lines[1], "removed: data/mail/spam/2.txt (data `mail`)");
  EXPECT_EQ(lines[2], "added: data/mail/spam/9.txt (data `mail`)");
}

TEST(Lock, DriftInputsAddedRemovedMoved) {
  LockFixture f;
  PipelineLock before = f.lock();
  f.inputs.erase(f.inputs.begin() + 1);                     // tickets no longer read
  f.inputs[1].path = (f.dir / "project/data/mail").string(); // clf now reads another folder
  f.inputs.push_back({"data", "extra", (f.dir / "project/data/tickets.csv").string()});
  auto lines = described(compareLock(before, f.lock()));
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], "moved: model `clf` now reads data/mail (locked: ../models/tiny)");
  EXPECT_EQ(lines[1], "not in ftp.lock: data `extra` at data/tickets.csv");
  EXPECT_EQ(lines[2], "no longer read: data `tickets` at data/tickets.csv");
}

TEST(Lock, CheckDriftBeforeARun) {
  LockFixture f;
  std::string pipeline = (f.dir / "project/p.ftp").string(), error;
  EXPECT_EQ(checkDrift(pipeline, f.inputs).status, DriftCheck::Status::NoLock);
  LockFile file;
  file.pipelines["other.ftp"] = {};
  ASSERT_TRUE(writeLock(lockPathFor(pipeline), file, &error));
  EXPECT_EQ(checkDrift(pipeline, f.inputs).status, DriftCheck::Status::NoEntry);
  file.pipelines["p.ftp"] = f.lock();
  ASSERT_TRUE(writeLock(lockPathFor(pipeline), file, &error));
  EXPECT_EQ(checkDrift(pipeline, f.inputs).status, DriftCheck::Status::Match);
  writeText(f.dir / "project/data/mail/spam/2.txt", "buy later");
  DriftCheck check = checkDrift(pipeline, f.inputs);
  EXPECT_EQ(check.status, DriftCheck::Status::Drifted);
  ASSERT_EQ(check.drifts.size(), 1u);
  EXPECT_EQ(check.drifts[0].path, "data/mail/spam/2.txt");
  writeText(lockPathFor(pipeline), "version = 2\n");
  check = checkDrift(pipeline, f.inputs);
  EXPECT_EQ(check.status, DriftCheck::Status::Error);
  EXPECT_EQ(check.error, "not an ftp.lock of version 1");
}
