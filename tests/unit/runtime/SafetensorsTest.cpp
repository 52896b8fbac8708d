#include "ftp/runtime/Safetensors.h"
#include "ftp/runtime/Checkpoint.h"

#include "../Fixtures.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

using namespace ftp::runtime;

namespace {

const Dtype kAllDtypes[] = {Dtype::BOOL, Dtype::U8,  Dtype::I8,  Dtype::I16, Dtype::F16,
                            Dtype::BF16, Dtype::I32, Dtype::F32, Dtype::F64, Dtype::I64};

// A whole file: 8-byte little-endian header length, the header, the data.
std::string fileOf(const std::string &header, const std::string &data = "") {
  std::string out;
  uint64_t n = header.size();
  for (int i = 0; i < 8; ++i)
    out.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
  return out + header + data;
}

std::optional<SafetensorsFile> parse(const std::string &bytes, std::string *error) {
  return SafetensorsFile::fromBytes(Bytes::copyOf(bytes), "t.safetensors", error);
}

// The error for `bytes`, which must be rejected.
std::string errorOf(const std::string &bytes) {
  std::string error;
  auto file = parse(bytes, &error);
  EXPECT_FALSE(file) << "accepted a corrupt file";
  return error;
}

std::string readAll(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::string tempPath(const std::string &name) { return testing::TempDir() + "/" + name; }

} // namespace

TEST(Safetensors, DtypeNamesAndSizes) {
  for (Dtype dtype : kAllDtypes)
    EXPECT_EQ(parseDtype(dtypeName(dtype)), dtype);
  EXPECT_EQ(dtypeSize(Dtype::BF16), 2u);
  EXPECT_EQ(dtypeSize(Dtype::I64), 8u);
  EXPECT_EQ(dtypeSize(Dtype::BOOL), 1u);
  EXPECT_FALSE(parseDtype("U64"));
  EXPECT_FALSE(parseDtype("f32"));
}

// Byte-for-byte what the reference implementation writes (its own test vectors).
TEST(Safetensors, WritesTheReferenceLayout) {
  float values[] = {0, 1, 2, 3, 4, 5};
  auto out = serializeSafetensors({{"attn.0", Dtype::F32, {1, 2, 3}, values, sizeof values}}, {});
  ASSERT_TRUE(out);
  std::string header = R"({"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}})";
  EXPECT_EQ(header.size(), 64u);
  EXPECT_EQ(*out, fileOf(header, std::string(reinterpret_cast<char *>(values), sizeof values)));

  // Padded with spaces to a multiple of 8.
  out = serializeSafetensors({{"attn0", Dtype::F32, {1, 1, 2, 3}, values, sizeof values}}, {});
  ASSERT_TRUE(out);
  EXPECT_EQ(out->substr(0, 8), std::string("\x48\0\0\0\0\0\0\0", 8));
  EXPECT_EQ(out->substr(8, 72),
            R"({"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}})" +
                std::string(7, ' '));

  EXPECT_EQ(*serializeSafetensors({}, {}), fileOf("{}      "));
  EXPECT_EQ(*serializeSafetensors({}, {{"framework", "pt"}}),
            fileOf(R"({"__metadata__":{"framework":"pt"}})" + std::string(5, ' ')));
}

// Descending dtype alignment (the reference's enum order), then by name.
TEST(Safetensors, SortsByDtypeThenName) {
  uint8_t bytes[64] = {};
  std::vector<TensorToWrite> tensors = {
      {"b", Dtype::U8, {1}, bytes, 1},   {"a", Dtype::U8, {1}, bytes, 1},
      {"z", Dtype::I64, {1}, bytes, 8},  {"m", Dtype::F32, {1}, bytes, 4},
      {"c", Dtype::BF16, {1}, bytes, 2}, {"d", Dtype::F16, {1}, bytes, 2},
      {"e", Dtype::F64, {1}, bytes, 8},  {"f", Dtype::BOOL, {1}, bytes, 1},
      {"g", Dtype::I32, {1}, bytes, 4},  {"h", Dtype::I16, {1}, bytes, 2},
      {"i", Dtype::I8, {1}, bytes, 1},
  };
  auto out = serializeSafetensors(tensors, {});
  ASSERT_TRUE(out);
  auto file = parse(*out, nullptr);
  ASSERT_TRUE(file);
  std::vector<std::string> order;
  for (const auto &view : file->tensors())
    order.push_back(view.name);
  EXPECT_EQ(order,
            (std::vector<std::string>{"z", "e", "m", "g", "c", "d", "h", "i", "a", "b", "f"}));
}

TEST(Safetensors, RoundTripsEveryDtypeBitExactly) {
  std::vector<std::string> payloads;
  std::vector<TensorToWrite> tensors;
  int index = 0;
  for (Dtype dtype : kAllDtypes) {
    std::vector<int64_t> shape = {3, 5};
    std::string bytes(15 * dtypeSize(dtype), '\0');
    for (size_t i = 0; i < bytes.size(); ++i)
      bytes[i] = static_cast<char>(dtype == Dtype::BOOL ? (i % 3 == 0) : (i * 37 + index) & 0xff);
    if (dtype == Dtype::F32) // a NaN with a payload survives too
      std::memcpy(bytes.data(), "\x01\x00\xc0\x7f", 4);
    payloads.push_back(bytes);
    ++index;
  }
  for (size_t i = 0; i < payloads.size(); ++i)
    tensors.push_back({std::string("t.") + dtypeName(kAllDtypes[i]),
                       kAllDtypes[i],
                       {3, 5},
                       payloads[i].data(),
                       payloads[i].size()});
  tensors.push_back({"empty", Dtype::F32, {0, 4}, nullptr, 0});
  tensors.push_back({"scalar", Dtype::F64, {}, payloads[8].data(), 8});

  std::string path = tempPath("ftpc-roundtrip.safetensors");
  std::string error;
  ASSERT_TRUE(writeSafetensors(path, tensors, {{"format", "pt"}, {"note", "é \"q\""}}, &error))
      << error;
  auto file = SafetensorsFile::open(path, &error);
  ASSERT_TRUE(file) << error;
  EXPECT_EQ(file->tensors().size(), tensors.size());
  EXPECT_EQ(file->metadata().at("note"), "é \"q\"");
  for (const auto &written : tensors) {
    const TensorView *view = file->find(written.name);
    ASSERT_TRUE(view) << written.name;
    EXPECT_EQ(view->dtype, written.dtype);
    EXPECT_EQ(view->shape, written.shape);
    ASSERT_EQ(view->byteSize, written.byteSize);
    EXPECT_EQ(0, std::memcmp(view->data, written.data, written.byteSize)) << written.name;
    EXPECT_EQ(reinterpret_cast<uintptr_t>(view->data) % dtypeSize(view->dtype), 0u);
  }
  // Writing what was read gives the same file, byte for byte.
  std::vector<TensorToWrite> again;
  for (const auto &view : file->tensors())
    again.push_back({view.name, view.dtype, view.shape, view.data, view.byteSize});
  auto bytes = serializeSafetensors(again, file->metadata());
  ASSERT_TRUE(bytes);
  EXPECT_EQ(*bytes, readAll(path));
  // Nothing but the file is left in the folder's temporaries.
  for (const auto &entry : std::filesystem::directory_iterator(testing::TempDir()))
    EXPECT_EQ(entry.path().filename().string().find(".ftpc-roundtrip.safetensors.tmp"),
              std::string::npos);
}

TEST(Safetensors, WriterRefusesBadInput) {
  float one = 1;
  std::string error;
  EXPECT_FALSE(serializeSafetensors({{"a", Dtype::F32, {2}, &one, 4}}, {}, &error));
  EXPECT_NE(error.find("tensor `a`: 4 bytes of data do not fit shape [2] of F32"),
            std::string::npos)
      << error;
  EXPECT_FALSE(serializeSafetensors(
      {{"a", Dtype::F32, {1}, &one, 4}, {"a", Dtype::F32, {1}, &one, 4}}, {}, &error));
  EXPECT_NE(error.find("tensor `a` is given twice"), std::string::npos) << error;
  EXPECT_FALSE(serializeSafetensors({{"__metadata__", Dtype::F32, {1}, &one, 4}}, {}, &error));
  EXPECT_FALSE(writeSafetensors("/nonexistent-folder/x.safetensors", {}, {}, &error));
  EXPECT_NE(error.find("cannot write `/nonexistent-folder/x.safetensors`"), std::string::npos)
      << error;
}

TEST(Safetensors, ReaderValidatesTheHeader) {
  const std::string f32x4(16, '\0');
  auto one = [](const std::string &entry) { return "{\"a\":" + entry + "}"; };

  EXPECT_EQ(errorOf("12345"),
            "t.safetensors: the file has 5 bytes, fewer than the 8 of a safetensors header length");
  EXPECT_EQ(errorOf(fileOf("{")),
            "t.safetensors: the header length 1 is too small for a JSON object");
  std::string huge = fileOf("{}");
  huge[3] = 0x10; // 2^28 + 2 bytes
  EXPECT_EQ(errorOf(huge),
            "t.safetensors: the header length 268435458 is over the limit of 100000000 bytes");
  std::string past = fileOf("{}");
  past[0] = 100;
  EXPECT_EQ(errorOf(past),
            "t.safetensors: the header length 100 runs past the end of the file (10 bytes)");
  std::string allOnes(8, '\xff');
  EXPECT_NE(errorOf(allOnes + "{}").find("over the limit"), std::string::npos);

  EXPECT_NE(errorOf(fileOf("{\"a\": ")).find("t.safetensors: the header is not valid JSON"),
            std::string::npos);
  EXPECT_NE(errorOf(fileOf("{\"a\":\"\xff\"}")).find("not valid JSON"), std::string::npos);
  EXPECT_EQ(errorOf(fileOf("[1, 2]")), "t.safetensors: the header is not a JSON object");
  EXPECT_EQ(errorOf(fileOf(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},)"
                           R"("a":{"dtype":"F32","shape":[4],"data_offsets":[16,32]}})",
                           f32x4 + f32x4)),
            "t.safetensors: the header names `a` twice");
  EXPECT_EQ(errorOf(fileOf(
                one(R"({"dtype":"F32","dtype":"F32","shape":[4],"data_offsets":[0,16]})"), f32x4)),
            "t.safetensors: the header names `dtype` twice");

  EXPECT_EQ(errorOf(fileOf(one("[]"))), "t.safetensors: tensor `a`: the entry is not an object");
  EXPECT_EQ(errorOf(fileOf(one(R"({"dtype":"F32","shape":[4],"offsets":[0,16]})"), f32x4)),
            "t.safetensors: tensor `a`: unknown field `offsets` (expected `dtype`, `shape`, "
            "`data_offsets`)");
  EXPECT_EQ(errorOf(fileOf(one(R"({"dtype":"F32","shape":[4]})"), f32x4)),
            "t.safetensors: tensor `a`: missing field `data_offsets`");
  EXPECT_EQ(errorOf(fileOf(one(R"({"dtype":7,"shape":[4],"data_offsets":[0,16]})"), f32x4)),
            "t.safetensors: tensor `a`: `dtype` is not a string");
  EXPECT_EQ(errorOf(fileOf(one(R"({"dtype":"F8_E4M3","shape":[4],"data_offsets":[0,4]})"), "1234")),
            "t.safetensors: tensor `a`: unknown or unsupported dtype `F8_E4M3` (supported: BOOL, "
            "U8, I8, I16, F16, BF16, I32, F32, F64, I64)");
  EXPECT_EQ(errorOf(fileOf(one(R"({"dtype":"F32","shape":[-4],"data_offsets":[0,16]})"), f32x4)),
            "t.safetensors: tensor `a`: `shape` must hold non-negative integers, found -4");
  EXPECT_EQ(
      errorOf(fileOf(one(R"({"dtype":"F32","shape":[2.0],"data_offsets":[0,8]})"), "12345678")),
      "t.safetensors: tensor `a`: `shape` must hold non-negative integers, found 2.0");
  EXPECT_EQ(errorOf(fileOf(one(R"({"dtype":"F32","shape":4,"data_offsets":[0,16]})"), f32x4)),
            "t.safetensors: tensor `a`: `shape` is not an array");
  EXPECT_EQ(
      errorOf(fileOf(one(R"({"dtype":"F32","shape":[4],"data_offsets":[0]})"), f32x4)),
      "t.safetensors: tensor `a`: `data_offsets` must be two non-negative integers, found [0]");
  EXPECT_EQ(errorOf(fileOf(one(R"({"dtype":"F32","shape":[0],"data_offsets":[16,0]})"), f32x4)),
            "t.safetensors: tensor `a`: `data_offsets` [16, 0] end before they begin");
  EXPECT_EQ(errorOf(fileOf(one(R"({"dtype":"F32","shape":[4294967296,4294967296],)"
                               R"("data_offsets":[0,16]})"),
                           f32x4)),
            "t.safetensors: tensor `a`: the size of shape [4294967296, 4294967296] overflows");
  EXPECT_EQ(errorOf(fileOf(one(R"({"dtype":"F32","shape":[2,2],"data_offsets":[0,12]})"),
                           std::string(12, '\0'))),
            "t.safetensors: tensor `a`: `data_offsets` [0, 12] hold 12 bytes but shape [2, 2] of "
            "F32 needs 16");
  EXPECT_EQ(errorOf(fileOf(one(R"({"dtype":"F32","shape":[4],"data_offsets":[0,16]})"),
                           std::string(12, '\0'))),
            "t.safetensors: tensor `a`: `data_offsets` [0, 16] run past the end of the data "
            "section (12 bytes)");
  EXPECT_EQ(errorOf(fileOf(R"({"__metadata__":{"format":1}})")),
            "t.safetensors: `__metadata__` entry `format` is not a string");
  EXPECT_EQ(errorOf(fileOf(R"({"__metadata__":[]})")),
            "t.safetensors: `__metadata__` is not an object");
}

TEST(Safetensors, ReaderRequiresTheDataToBeTiled) {
  const std::string data(32, '\0');
  // Overlap: b starts inside a.
  EXPECT_EQ(errorOf(fileOf(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},)"
                           R"("b":{"dtype":"F32","shape":[4],"data_offsets":[8,24]}})",
                           data.substr(0, 24))),
            "t.safetensors: tensor `b` overlaps tensor `a` (bytes 8 to 16)");
  // Same range twice.
  EXPECT_NE(errorOf(fileOf(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},)"
                           R"("b":{"dtype":"I32","shape":[4],"data_offsets":[0,16]}})",
                           data.substr(0, 16)))
                .find("overlaps"),
            std::string::npos);
  // Gap between two tensors.
  EXPECT_EQ(errorOf(fileOf(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                           R"("b":{"dtype":"F32","shape":[4],"data_offsets":[16,32]}})",
                           data)),
            "t.safetensors: bytes 8 to 16 of the data section belong to no tensor (a gap before "
            "tensor `b`)");
  // Gap at the start.
  EXPECT_NE(errorOf(fileOf(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})",
                           data.substr(0, 16)))
                .find("bytes 0 to 8 of the data section belong to no tensor"),
            std::string::npos);
  // Trailing bytes.
  EXPECT_EQ(errorOf(fileOf(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})",
                           data.substr(0, 12))),
            "t.safetensors: bytes 8 to 12 of the data section belong to no tensor (trailing bytes "
            "after the last tensor)");
  // Zero-sized tensors may sit anywhere on a boundary, in any order in the header.
  std::string error;
  auto file = parse(fileOf(R"({"z":{"dtype":"F32","shape":[0],"data_offsets":[8,8]},)"
                           R"("b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]},)"
                           R"("a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})",
                           data.substr(0, 16)),
                    &error);
  ASSERT_TRUE(file) << error;
  ASSERT_EQ(file->tensors().size(), 3u);
  EXPECT_EQ(file->tensors()[0].name, "a");
}

TEST(Safetensors, OpenNamesTheFile) {
  std::string error;
  EXPECT_FALSE(SafetensorsFile::open("/nonexistent/model.safetensors", &error));
  EXPECT_NE(error.find("cannot open `/nonexistent/model.safetensors`"), std::string::npos) << error;
  std::string path = tempPath("ftpc-bad.safetensors");
  std::ofstream(path, std::ios::binary) << fileOf("{\"a\":1}");
  EXPECT_FALSE(SafetensorsFile::open(path, &error));
  EXPECT_EQ(error, path + ": tensor `a`: the entry is not an object");
}

TEST(Safetensors, TorchTensorsRoundTrip) {
  TensorMap tensors;
  tensors["f32"] = at::randn({3, 4});
  tensors["f16"] = at::randn({5}).to(at::kHalf);
  tensors["bf16"] = at::randn({2, 3}).to(at::kBFloat16);
  tensors["f64"] = at::randn({2, 2}, at::kDouble);
  tensors["i64"] = at::arange(10, at::kLong);
  tensors["i32"] = at::arange(-5, 5, at::kInt);
  tensors["i16"] = at::arange(-3, 3).to(at::kShort);
  tensors["i8"] = at::arange(-3, 3).to(at::kChar);
  tensors["u8"] = at::arange(0, 255).to(at::kByte);
  tensors["bool"] = at::arange(6) % 2 == 0;
  tensors["transposed"] = at::randn({3, 5}).t(); // not contiguous
  tensors["scalar"] = at::scalar_tensor(2.5);
  std::string path = tempPath("ftpc-torch.safetensors");
  std::string error;
  ASSERT_TRUE(saveSafetensors(path, tensors, {{"format", "pt"}}, &error)) << error;
  for (TensorMemory memory : {TensorMemory::Copy, TensorMemory::Borrow}) {
    auto loaded = loadSafetensors(path, &error, memory);
    ASSERT_TRUE(loaded) << error;
    ASSERT_EQ(loaded->size(), tensors.size());
    for (const auto &[name, tensor] : tensors) {
      const at::Tensor &back = loaded->at(name);
      EXPECT_EQ(back.scalar_type(), tensor.scalar_type()) << name;
      EXPECT_EQ(back.sizes(), tensor.sizes()) << name;
      EXPECT_TRUE(at::equal(back, tensor)) << name;
    }
  }
  // A borrowed tensor outlives everything but itself, and writes to it stay private.
  at::Tensor borrowed;
  {
    auto loaded = loadSafetensors(path, &error, TensorMemory::Borrow);
    ASSERT_TRUE(loaded) << error;
    borrowed = loaded->at("f32");
  }
  EXPECT_TRUE(at::equal(borrowed, tensors["f32"]));
  borrowed.zero_();
  EXPECT_TRUE(at::equal(loadSafetensors(path)->at("f32"), tensors["f32"]));

  // Borrowing points into the mapping; bytes held in memory are copied instead.
  auto mapped = SafetensorsFile::open(path, &error);
  ASSERT_TRUE(mapped) << error;
  const TensorView *view = mapped->find("f32");
  EXPECT_EQ(toTensor(*view, TensorMemory::Borrow).data_ptr(), view->data);
  EXPECT_NE(toTensor(*view, TensorMemory::Copy).data_ptr(), view->data);
  std::ifstream in(path, std::ios::binary);
  std::string whole((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto inMemory = SafetensorsFile::fromBytes(Bytes::copyOf(whole), "m", &error);
  ASSERT_TRUE(inMemory) << error;
  view = inMemory->find("f32");
  at::Tensor copied = toTensor(*view, TensorMemory::Borrow);
  EXPECT_NE(copied.data_ptr(), view->data);
  EXPECT_TRUE(at::equal(copied, tensors["f32"]));

  TensorMap complex;
  complex["c"] = at::zeros({2}, at::kComplexFloat);
  EXPECT_FALSE(saveSafetensors(path, complex, {}, &error));
  EXPECT_NE(error.find("tensor `c` has dtype ComplexFloat"), std::string::npos) << error;
}

// The real encoder: the reader's views equal the bytes an independent parse of the header finds.
TEST(Safetensors, ReadsTheMiniLMFixture) {
  FTPC_REQUIRE_FIXTURE("all-MiniLM-L6-v2");
  std::string path = ftp::testing::fixturesDir() + "/all-MiniLM-L6-v2/model.safetensors";
  std::string error;
  auto file = SafetensorsFile::open(path, &error);
  ASSERT_TRUE(file) << error;
  EXPECT_EQ(file->tensors().size(), 104u);
  EXPECT_EQ(file->metadata().at("format"), "pt");
  const TensorView *words = file->find("embeddings.word_embeddings.weight");
  ASSERT_TRUE(words);
  EXPECT_EQ(words->dtype, Dtype::F32);
  EXPECT_EQ(words->shape, (std::vector<int64_t>{30522, 384}));
  ASSERT_TRUE(file->find("encoder.layer.0.attention.self.query.weight"));
  EXPECT_EQ(file->find("encoder.layer.0.attention.self.query.weight")->shape,
            (std::vector<int64_t>{384, 384}));
  EXPECT_EQ(file->find("encoder.layer.5.output.dense.weight")->shape,
            (std::vector<int64_t>{384, 1536}));
  EXPECT_EQ(file->find("embeddings.position_ids")->dtype, Dtype::I64);

  // Second path: read the file with a stream and the header with nlohmann-json directly.
  std::string bytes = readAll(path);
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i)
    n = (n << 8) | static_cast<uint8_t>(bytes[i]);
  EXPECT_EQ(n, file->headerSize());
  auto header = nlohmann::json::parse(bytes.substr(8, n));
  size_t checked = 0;
  for (const auto &[name, entry] : header.items()) {
    if (name == "__metadata__")
      continue;
    const TensorView *view = file->find(name);
    ASSERT_TRUE(view) << name;
    uint64_t begin = entry["data_offsets"][0], end = entry["data_offsets"][1];
    ASSERT_EQ(view->byteSize, end - begin);
    EXPECT_EQ(0, std::memcmp(view->data, bytes.data() + 8 + n + begin, end - begin)) << name;
    ++checked;
  }
  EXPECT_EQ(checked, 104u);

  // Known values, and the same through LibTorch.
  auto tensors = loadCheckpoint(ftp::testing::fixturesDir() + "/all-MiniLM-L6-v2", &error);
  ASSERT_TRUE(tensors) << error;
  EXPECT_TRUE(at::equal(tensors->at("embeddings.position_ids"), at::arange(512).reshape({1, 512})));
  at::Tensor first = tensors->at("embeddings.word_embeddings.weight")[0].slice(0, 0, 4);
  EXPECT_TRUE(at::equal(first, at::tensor({-0.019989013671875f, -0.0034027099609375f,
                                           -0.014678955078125f, 0.0117034912109375f})));
}
