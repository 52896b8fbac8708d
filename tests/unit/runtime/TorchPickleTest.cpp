// The .bin files under data/checkpoints are written by tests/golden/make_torch_pickles.py, which
// lays them out as torch.save does (see that script for why it does not need PyTorch).

#include "ftp/runtime/TorchPickle.h"
#include "ftp/runtime/Checkpoint.h"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>

using namespace ftp::runtime;
using namespace std::string_literals;

namespace {

std::string data(const std::string &name) {
  return std::string(FTPC_CHECKPOINT_DATA_DIR) + "/" + name;
}

std::string pickleError(const std::string &code) {
  std::string error;
  EXPECT_FALSE(parseTorchPickle(code, "p.pkl", &error)) << "accepted a bad pickle";
  return error;
}

void expectTinyState(const TensorMap &t) {
  auto f = at::TensorOptions().dtype(at::kFloat);
  at::Tensor linear = at::arange(6, f).mul(0.5).reshape({2, 3});
  EXPECT_EQ(t.size(), 17u);
  EXPECT_TRUE(at::equal(t.at("linear.weight"), linear));
  EXPECT_TRUE(at::equal(t.at("tied.weight"), linear));
  EXPECT_TRUE(at::equal(t.at("linear.weight_t"), linear.t()));
  EXPECT_TRUE(t.at("linear.weight_t").is_contiguous());
  EXPECT_TRUE(at::equal(t.at("linear.row1"), linear[1]));
  EXPECT_TRUE(at::equal(t.at("linear.bias"), at::tensor({1.0f, -1.0f})));
  EXPECT_TRUE(at::equal(t.at("half"),
                        at::tensor({0.5f, 1.5f, -2.0f, 65504.0f}).to(at::kHalf).reshape({2, 2})));
  EXPECT_TRUE(at::equal(t.at("bfloat"), at::tensor({1.0f, -2.0f, 0.15625f}).to(at::kBFloat16)));
  EXPECT_TRUE(at::equal(
      t.at("long"), at::tensor({int64_t(0), int64_t(-1), int64_t(1) << 40, -(int64_t(1) << 62)})));
  EXPECT_TRUE(at::equal(t.at("int"), at::tensor({7, -8, 2147483647}, at::kInt)));
  EXPECT_TRUE(at::equal(t.at("short"), at::tensor({-32768, 32767}).to(at::kShort)));
  EXPECT_TRUE(at::equal(t.at("char"), at::tensor({-128, 127}).to(at::kChar)));
  EXPECT_TRUE(at::equal(t.at("byte"), at::tensor({0, 1, 254, 255}).to(at::kByte)));
  EXPECT_TRUE(at::equal(t.at("bool"), at::tensor({1, 0, 1}).to(at::kBool)));
  EXPECT_TRUE(at::equal(t.at("double"), at::tensor({3.141592653589793, -1e300}, at::kDouble)));
  EXPECT_EQ(t.at("scalar").dim(), 0);
  EXPECT_EQ(t.at("scalar").item<float>(), 42.0f);
  EXPECT_TRUE(at::equal(t.at("param"), at::tensor({0.25f, 0.75f})));
  EXPECT_EQ(t.at("empty").sizes(), (at::IntArrayRef{0, 5}));
}

} // namespace

TEST(TorchPickle, LoadsAStateDictAsTorchSaveWritesIt) {
  for (const char *name : {"tiny.bin", "tiny-protocol4.bin"}) {
    std::string error;
    auto tensors = loadTorchPickle(data(name), &error);
    ASSERT_TRUE(tensors) << error;
    SCOPED_TRACE(name);
    expectTinyState(*tensors);
  }
}

TEST(TorchPickle, ViewsShareStorages) {
  std::string error;
  auto file = TorchPickleFile::open(data("tiny.bin"), &error);
  ASSERT_TRUE(file) << error;
  std::map<std::string, const PickledTensor *> byName;
  for (const auto &tensor : file->tensors())
    byName[tensor.name] = &tensor;
  EXPECT_EQ(byName.at("linear.weight")->storageKey, "0");
  EXPECT_EQ(byName.at("tied.weight")->storageKey, "0");
  EXPECT_EQ(byName.at("linear.weight_t")->stride, (std::vector<int64_t>{1, 3}));
  EXPECT_EQ(byName.at("linear.row1")->storageOffset, 3);
  EXPECT_TRUE(byName.at("param")->requiresGrad);
  EXPECT_EQ(byName.at("bfloat")->dtype, Dtype::BF16);
  const StorageView *storage = file->storage("0");
  ASSERT_TRUE(storage);
  EXPECT_EQ(storage->byteSize, 24u);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(storage->data) % 64, 0u); // torch.save aligns records
}

TEST(TorchPickle, RefusesGlobalsThatRunCode) {
  std::filesystem::remove("/tmp/ftpc-pwned");
  struct Case {
    const char *file, *global;
  } cases[] = {{"evil-os-system.bin", "os.system"},
               {"evil-builtins-eval.bin", "builtins.eval"},
               {"evil-subprocess-popen.bin", "subprocess.Popen"}};
  for (const auto &c : cases) {
    std::string error;
    EXPECT_FALSE(loadTorchPickle(data(c.file), &error));
    EXPECT_EQ(error.rfind(data(c.file) + ": refusing the global `" + c.global + "`", 0), 0u)
        << error;
    EXPECT_NE(error.find("anything else could run code"), std::string::npos) << error;
  }
  EXPECT_FALSE(std::filesystem::exists("/tmp/ftpc-pwned"));
}

TEST(TorchPickle, RefusesBrokenArchives) {
  std::string error;
  EXPECT_FALSE(loadTorchPickle(data("bad-out-of-bounds.bin"), &error));
  EXPECT_NE(error.find("tensor `w` reaches past the end of its storage `0` (6 elements)"),
            std::string::npos)
      << error;
  EXPECT_FALSE(loadTorchPickle(data("bad-missing-storage.bin"), &error));
  EXPECT_NE(error.find("storage `1` is missing from the archive (no `archive/data/1`)"),
            std::string::npos)
      << error;
  EXPECT_FALSE(loadTorchPickle(data("bad-compressed.bin"), &error));
  EXPECT_NE(error.find("zip entry `archive/data.pkl` is compressed (method 8)"), std::string::npos)
      << error;

  auto fromBytes = [&](const std::string &bytes) {
    return TorchPickleFile::fromBytes(Bytes::copyOf(bytes), "m.bin", &error);
  };
  EXPECT_FALSE(fromBytes(std::string("\x80\x02}q\x00.", 6)));
  EXPECT_NE(error.find("m.bin: this is PyTorch's legacy (before 1.6) format"), std::string::npos)
      << error;
  EXPECT_FALSE(fromBytes("hello"));
  EXPECT_EQ(error, "m.bin: not a zip archive (PyTorch >= 1.6 checkpoints are zip archives)");
  // A zip cut short loses its central directory.
  std::ifstream in(data("tiny.bin"), std::ios::binary);
  std::string whole((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_FALSE(fromBytes(whole.substr(0, whole.size() - 30)));
  EXPECT_NE(error.find("no zip end-of-central-directory record"), std::string::npos) << error;
}

TEST(TorchPickle, RefusesOpcodesAndShapesOutsideTheSubset) {
  // NEWOBJ, INST and protocol-0 text opcodes are not part of a state dict.
  EXPECT_EQ(pickleError(std::string("\x80\x02\x81.", 4)),
            "p.pkl: unsupported pickle opcode 0x81 (NEWOBJ) (at byte 2 of the pickle)");
  EXPECT_EQ(pickleError("(i__main__\nX\n."),
            "p.pkl: unsupported pickle opcode 0x69 (INST) (at byte 1 of the pickle)");
  EXPECT_NE(pickleError("\x80\x02}").find("the pickle ends without STOP"), std::string::npos);
  EXPECT_NE(pickleError("\x80\x02X\xff\0\0\0"
                        "ab"s)
                .find("ends in the middle of an opcode"),
            std::string::npos);
  EXPECT_NE(pickleError("\x80\x02s.").find("pops from an empty stack"), std::string::npos);
  EXPECT_NE(pickleError("\x80\x02h\x05.").find("memo slot 5 that was never written"),
            std::string::npos);
  EXPECT_EQ(pickleError("\x80\x02]."), "p.pkl: the pickle holds a list, not a state dict");
  // A storage type is a class: calling it would construct an object.
  EXPECT_NE(pickleError("\x80\x02"
                        "ctorch\nFloatStorage\n)R.")
                .find("the global `torch.FloatStorage` is not callable here"),
            std::string::npos);
  // An allowed name in a module that is not torch is still refused.
  EXPECT_NE(pickleError("\x80\x02"
                        "cnumpy\nFloatStorage\n.")
                .find("refusing the global `numpy.FloatStorage`"),
            std::string::npos);
  EXPECT_NE(pickleError("\x80\x02"
                        "ccollections\nOrderedDict\nK\x01\x85R.")
                .find("collections.OrderedDict is called with arguments"),
            std::string::npos);
  // A plain dict of tensors (no OrderedDict) works, with nested dicts flattened.
  std::string error;
  auto str = [](const char *text) {
    return std::string(1, char(std::strlen(text))) + "\0\0\0"s + text;
  };
  std::string code = "\x80\x02}(X"s + str("a") + "}(X" + str("b") +
                     "ctorch._utils\n_rebuild_tensor_v2\n((X" + str("storage") +
                     "ctorch\nLongStorage\nX" + str("k") + "X" + str("cpu") + "K\x02tQ" +
                     "K\x00K\x02\x85K\x01\x85\x89}tRuX"s + str("n") + "K\x07u.";
  auto state = parseTorchPickle(code, "p.pkl", &error);
  ASSERT_TRUE(state) << error;
  ASSERT_EQ(state->tensors.size(), 1u);
  EXPECT_EQ(state->tensors[0].name, "a.b");
  EXPECT_EQ(state->tensors[0].dtype, Dtype::I64);
  EXPECT_EQ(state->storages.at("k"), Dtype::I64);
}

TEST(TorchPickle, LoadCheckpointPrefersSafetensors) {
  std::string folder = testing::TempDir() + "/ftpc-checkpoint-folder";
  std::filesystem::remove_all(folder);
  std::filesystem::create_directories(folder);
  std::string error;
  EXPECT_FALSE(loadCheckpoint(folder, &error));
  EXPECT_EQ(error, "`" + folder + "` has neither `model.safetensors` nor `pytorch_model.bin`");

  std::filesystem::copy_file(data("tiny.bin"), folder + "/pytorch_model.bin");
  auto fromPickle = loadCheckpoint(folder, &error);
  ASSERT_TRUE(fromPickle) << error;
  expectTinyState(*fromPickle);

  TensorMap only{{"only.weight", at::ones({2})}};
  ASSERT_TRUE(saveSafetensors(folder + "/model.safetensors", only, {}, &error)) << error;
  auto preferred = loadCheckpoint(folder, &error);
  ASSERT_TRUE(preferred) << error;
  ASSERT_EQ(preferred->size(), 1u);
  EXPECT_TRUE(at::equal(preferred->at("only.weight"), at::ones({2})));

  // The pickle's tensors written as safetensors read back equal.
  ASSERT_TRUE(saveSafetensors(folder + "/converted.safetensors", *fromPickle, {}, &error)) << error;
  auto converted = loadSafetensors(folder + "/converted.safetensors", &error);
  ASSERT_TRUE(converted) << error;
  expectTinyState(*converted);
}
