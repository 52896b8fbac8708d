//===- TorchPickle.cpp - a restricted loader for PyTorch's pytorch_model.bin ----===//
//
// A pickle machine that knows just enough opcodes and globals to rebuild a state dict, over the
// records of the zip archive (ZipArchive.cpp). Objects live in an arena owned by the machine, so
// memo references and cycles cost nothing and leak nothing.
//
//===----------------------------------------------------------------------------------------===//

#include "ftp/runtime/TorchPickle.h"

#include "ZipArchive.h"

#include <cstring>
#include <limits>
#include <unordered_map>

namespace ftp::runtime {
namespace {

//===-- little helpers ------------------------------------------------------------------------===//


std::string hexByte(uint8_t byte) {
  static const char digits[] = "0123456789abcdef";
  return std::string("0x") + digits[byte >> 4] + digits[byte & 0xf];
}

//===-- the pickle machine --------------------------------------------------------------------===//

enum class Global { OrderedDict, RebuildTensor, RebuildParameter, StorageType };

struct Value {
  enum class Kind {
    None,
    Bool,
    Int,
    Float,
    String,
    Bytes,
    List,
    Tuple,
    Dict,
    Global,
    Storage,
    Tensor
  };
  Kind kind = Kind::None;
  bool boolean = false;
  int64_t integer = 0;
  double real = 0;
  std::string text;           // String, Bytes, Storage key, Global's dotted name
  std::vector<Value *> items; // List, Tuple
  std::vector<std::pair<Value *, Value *>> entries; // Dict
  Global global = Global::OrderedDict;
  Dtype dtype = Dtype::F32; // Storage, and Global StorageType
  PickledTensor tensor;     // Tensor (name unset)
};

struct StorageName {
  const char *name;
  Dtype dtype;
};
constexpr StorageName kStorages[] = {
    {"FloatStorage", Dtype::F32},     {"DoubleStorage", Dtype::F64}, {"HalfStorage", Dtype::F16},
    {"BFloat16Storage", Dtype::BF16}, {"LongStorage", Dtype::I64},   {"IntStorage", Dtype::I32},
    {"ShortStorage", Dtype::I16},     {"CharStorage", Dtype::I8},    {"ByteStorage", Dtype::U8},
    {"BoolStorage", Dtype::BOOL},
};

const char *opcodeName(uint8_t op) {
  switch (op) {
  case 'I':
    return "INT";
  case 'L':
    return "LONG";
  case 'S':
    return "STRING";
  case 'V':
    return "UNICODE";
  case 'F':
    return "FLOAT";
  case 'p':
    return "PUT";
  case 'g':
    return "GET";
  case 'i':
    return "INST";
  case 'o':
    return "OBJ";
  case 'P':
    return "PERSID";
  case 0x81:
    return "NEWOBJ";
  case 0x92:
    return "NEWOBJ_EX";
  case 0x82:
    return "EXT1";
  case 0x83:
    return "EXT2";
  case 0x84:
    return "EXT4";
  case 0x8b:
    return "LONG4";
  case 0x8f:
    return "EMPTY_SET";
  case 0x90:
    return "ADDITEMS";
  case 0x91:
    return "FROZENSET";
  case 0x96:
    return "BYTEARRAY8";
  case 0x97:
    return "NEXT_BUFFER";
  case 0x98:
    return "READONLY_BUFFER";
  default:
    return "unknown";
  }
}

class Machine {
public:
  Machine(std::string_view code, const std::string &file) : code_(code), file_(file) {}

  std::optional<PickledStateDict> run(std::string *error) {
    Value *result = execute();
    if (!result) {
      if (error)
        *error = file_ + ": " + problem_;
      return std::nullopt;
    }
    PickledStateDict state;
    if (result->kind != Value::Kind::Dict) {
      if (error)
        *error = file_ + ": the pickle holds a " + kindName(result) + ", not a state dict";
      return std::nullopt;
    }
    if (!flatten(result, "", 0, state)) {
      if (error)
        *error = file_ + ": " + problem_;
      return std::nullopt;
    }
    state.storages = storageDtypes_;
    return state;
  }

private:
  static constexpr size_t kMaxObjects = 1 << 22;
  static constexpr int kMaxDepth = 8;

  static std::string kindName(const Value *v) {
    switch (v->kind) {
    case Value::Kind::None:
      return "None";
    case Value::Kind::Bool:
      return "bool";
    case Value::Kind::Int:
      return "int";
    case Value::Kind::Float:
      return "float";
    case Value::Kind::String:
      return "str";
    case Value::Kind::Bytes:
      return "bytes";
    case Value::Kind::List:
      return "list";
    case Value::Kind::Tuple:
      return "tuple";
    case Value::Kind::Dict:
      return "dict";
    case Value::Kind::Global:
      return "global `" + v->text + "`";
    case Value::Kind::Storage:
      return "storage";
    case Value::Kind::Tensor:
      return "tensor";
    }
    return "value";
  }

  Value *make(Value::Kind kind) {
    if (arena_.size() >= kMaxObjects)
      return nullptr;
    arena_.push_back(std::make_unique<Value>());
    arena_.back()->kind = kind;
    return arena_.back().get();
  }

  bool fail(const std::string &message) {
    if (problem_.empty())
      problem_ = message + " (at byte " + std::to_string(opStart_) + " of the pickle)";
    return false;
  }

  bool need(size_t bytes) {
    if (code_.size() - pos_ < bytes)
      return fail("the pickle ends in the middle of an opcode");
    return true;
  }
  const uint8_t *take(size_t bytes) {
    auto p = reinterpret_cast<const uint8_t *>(code_.data()) + pos_;
    pos_ += bytes;
    return p;
  }
  bool readLine(std::string &line) {
    size_t end = code_.find('\n', pos_);
    if (end == std::string_view::npos)
      return fail("the pickle ends inside a GLOBAL");
    line.assign(code_.substr(pos_, end - pos_));
    pos_ = end + 1;
    return true;
  }

  bool push(Value *v) {
    if (!v)
      return fail("the pickle builds too many objects");
    stack_.push_back(v);
    return true;
  }
  Value *pop() {
    if (stack_.size() <= base()) {
      fail("the pickle pops from an empty stack");
      return nullptr;
    }
    Value *v = stack_.back();
    stack_.pop_back();
    return v;
  }
  size_t base() const { return marks_.empty() ? 0 : marks_.back(); }
  // Pops everything down to the last MARK.
  bool popMark(std::vector<Value *> &items) {
    if (marks_.empty())
      return fail("the pickle uses a MARK it never set");
    size_t mark = marks_.back();
    marks_.pop_back();
    items.assign(stack_.begin() + static_cast<std::ptrdiff_t>(mark), stack_.end());
    stack_.resize(mark);
    return true;
  }

  bool pushString(Value::Kind kind, size_t length) {
    if (!need(length))
      return false;
    Value *v = make(kind);
    if (v)
      v->text.assign(reinterpret_cast<const char *>(take(length)), length);
    return push(v);
  }
  bool pushInt(int64_t value) {
    Value *v = make(Value::Kind::Int);
    if (v)
      v->integer = value;
    return push(v);
  }

  bool resolveGlobal(const std::string &module, const std::string &name) {
    Value *v = make(Value::Kind::Global);
    if (!v)
      return push(v);
    v->text = module + "." + name;
    if (module == "collections" && name == "OrderedDict") {
      v->global = Global::OrderedDict;
    } else if (module == "torch._utils" && name == "_rebuild_tensor_v2") {
      v->global = Global::RebuildTensor;
    } else if (module == "torch._utils" && name == "_rebuild_parameter") {
      v->global = Global::RebuildParameter;
    } else {
      bool storage = false;
      if (module == "torch")
        for (const auto &known : kStorages)
          if (name == known.name) {
            v->global = Global::StorageType;
            v->dtype = known.dtype;
            storage = true;
          }
      if (!storage)
        return fail("refusing the global `" + v->text +
                    "`: a checkpoint may only name collections.OrderedDict, "
                    "torch._utils._rebuild_tensor_v2, torch._utils._rebuild_parameter and "
                    "torch.*Storage; anything else could run code");
    }
    return push(v);
  }

  bool isIntTuple(const Value *v) {
    if (v->kind != Value::Kind::Tuple)
      return false;
    for (const Value *item : v->items)
      if (item->kind != Value::Kind::Int || item->integer < 0)
        return false;
    return true;
  }

  bool reduce() {
    Value *args = pop();
    Value *callable = args ? pop() : nullptr;
    if (!callable)
      return false;
    if (callable->kind != Value::Kind::Global)
      return fail("REDUCE calls a " + kindName(callable) + ", not an allowed global");
    if (args->kind != Value::Kind::Tuple)
      return fail("REDUCE on `" + callable->text + "` with a " + kindName(args) + " for arguments");
    const auto &a = args->items;
    switch (callable->global) {
    case Global::OrderedDict:
      if (!a.empty())
        return fail("collections.OrderedDict is called with arguments");
      return push(make(Value::Kind::Dict));
    case Global::RebuildTensor: {
      // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
      if (a.size() != 6 && a.size() != 7)
        return fail("torch._utils._rebuild_tensor_v2 takes 6 or 7 arguments, given " +
                    std::to_string(a.size()));
      if (a[0]->kind != Value::Kind::Storage)
        return fail("torch._utils._rebuild_tensor_v2 needs a storage, given a " + kindName(a[0]));
      if (a[1]->kind != Value::Kind::Int || a[1]->integer < 0)
        return fail("torch._utils._rebuild_tensor_v2 needs a non-negative storage offset");
      if (!isIntTuple(a[2]) || !isIntTuple(a[3]) || a[2]->items.size() != a[3]->items.size())
        return fail("torch._utils._rebuild_tensor_v2 needs size and stride tuples of "
                    "non-negative ints of one length");
      if (a[4]->kind != Value::Kind::Bool)
        return fail("torch._utils._rebuild_tensor_v2 needs a bool for requires_grad");
      Value *tensor = make(Value::Kind::Tensor);
      if (!tensor)
        return push(tensor);
      tensor->tensor.dtype = a[0]->dtype;
      tensor->tensor.storageKey = a[0]->text;
      tensor->tensor.storageOffset = a[1]->integer;
      for (const Value *extent : a[2]->items)
        tensor->tensor.shape.push_back(extent->integer);
      for (const Value *step : a[3]->items)
        tensor->tensor.stride.push_back(step->integer);
      tensor->tensor.requiresGrad = a[4]->boolean;
      return push(tensor);
    }
    case Global::RebuildParameter: {
      // (data, requires_grad, backward_hooks)
      if (a.size() != 3 || a[0]->kind != Value::Kind::Tensor || a[1]->kind != Value::Kind::Bool)
        return fail("torch._utils._rebuild_parameter needs (tensor, bool, hooks)");
      Value *tensor = make(Value::Kind::Tensor);
      if (!tensor)
        return push(tensor);
      tensor->tensor = a[0]->tensor;
      tensor->tensor.requiresGrad = a[1]->boolean;
      return push(tensor);
    }
    case Global::StorageType:
      return fail("the global `" + callable->text + "` is not callable here");
    }
    return fail("REDUCE on an unknown global");
  }

  bool persistentLoad() {
    Value *pid = pop();
    if (!pid)
      return false;
    // ('storage', torch.<T>Storage, key, location, numel)
    if (pid->kind != Value::Kind::Tuple || pid->items.size() != 5)
      return fail("a persistent id is not a 5-tuple ('storage', type, key, location, numel)");
    const auto &p = pid->items;
    if (p[0]->kind != Value::Kind::String || p[0]->text != "storage")
      return fail("a persistent id does not start with 'storage'");
    if (p[1]->kind != Value::Kind::Global || p[1]->global != Global::StorageType)
      return fail("a persistent id names a " + kindName(p[1]) + " for its storage type");
    if (p[2]->kind != Value::Kind::String || p[3]->kind != Value::Kind::String ||
        p[4]->kind != Value::Kind::Int || p[4]->integer < 0)
      return fail("a persistent id has a malformed key, location or size");
    const std::string &key = p[2]->text;
    if (key.empty() || key.find('/') != std::string::npos)
      return fail("a storage key `" + key + "` is not a plain name");
    auto [it, inserted] = storageDtypes_.emplace(key, p[1]->dtype);
    if (!inserted && it->second != p[1]->dtype)
      return fail("storage `" + key + "` is loaded as two different dtypes");
    Value *storage = make(Value::Kind::Storage);
    if (storage) {
      storage->text = key;
      storage->dtype = p[1]->dtype;
    }
    return push(storage);
  }

  bool setItems(Value *dict, const std::vector<Value *> &items) {
    if (dict->kind != Value::Kind::Dict)
      return fail("SETITEM(S) on a " + kindName(dict));
    if (items.size() % 2 != 0)
      return fail("SETITEMS with an odd number of values");
    for (size_t i = 0; i < items.size(); i += 2) {
      bool replaced = false;
      // Keys that repeat replace the old value, as in Python (strings compared by text).
      if (items[i]->kind == Value::Kind::String)
        for (auto &entry : dict->entries)
          if (entry.first->kind == Value::Kind::String && entry.first->text == items[i]->text) {
            entry.second = items[i + 1];
            replaced = true;
            break;
          }
      if (!replaced)
        dict->entries.emplace_back(items[i], items[i + 1]);
    }
    return true;
  }

  bool memoPut(uint64_t index) {
    if (stack_.empty())
      return fail("the pickle memoizes an empty stack");
    memo_[index] = stack_.back();
    return true;
  }
  bool memoGet(uint64_t index) {
    auto it = memo_.find(index);
    if (it == memo_.end())
      return fail("the pickle reads memo slot " + std::to_string(index) +
                  " that was never written");
    return push(it->second);
  }

  bool step(uint8_t op) {
    switch (op) {
    case 0x80: // PROTO
      if (!need(1))
        return false;
      if (uint8_t version = *take(1); version < 2 || version > 5)
        return fail("pickle protocol " + std::to_string(version) + " is not supported");
      return true;
    case 0x95: // FRAME
      if (!need(8))
        return false;
      take(8);
      return true;
    case '(': // MARK
      marks_.push_back(stack_.size());
      return true;
    case '0': // POP
      return pop() != nullptr;
    case '1': { // POP_MARK
      std::vector<Value *> items;
      return popMark(items);
    }
    case '2': // DUP
      if (stack_.size() <= base())
        return fail("DUP on an empty stack");
      return push(stack_.back());
    case 'N':
      return push(make(Value::Kind::None));
    case 0x88:   // NEWTRUE
    case 0x89: { // NEWFALSE
      Value *v = make(Value::Kind::Bool);
      if (v)
        v->boolean = op == 0x88;
      return push(v);
    }
    case 'J': // BININT
      if (!need(4))
        return false;
      return pushInt(static_cast<int32_t>(static_cast<uint32_t>(readLE(take(4), 4))));
    case 'K': // BININT1
      if (!need(1))
        return false;
      return pushInt(*take(1));
    case 'M': // BININT2
      if (!need(2))
        return false;
      return pushInt(static_cast<int64_t>(readLE(take(2), 2)));
    case 0x8a: { // LONG1
      if (!need(1))
        return false;
      uint8_t length = *take(1);
      if (length > 8)
        return fail("an integer of " + std::to_string(length) + " bytes is too large");
      if (!need(length))
        return false;
      const uint8_t *p = take(length);
      uint64_t value = length ? readLE(p, length) : 0;
      if (length && length < 8 && (p[length - 1] & 0x80))
        value |= ~uint64_t(0) << (8 * length); // sign-extend
      return pushInt(static_cast<int64_t>(value));
    }
    case 'G': { // BINFLOAT, big-endian
      if (!need(8))
        return false;
      const uint8_t *p = take(8);
      uint64_t bits = 0;
      for (int i = 0; i < 8; ++i)
        bits = (bits << 8) | p[i];
      Value *v = make(Value::Kind::Float);
      if (v)
        std::memcpy(&v->real, &bits, 8);
      return push(v);
    }
    case 'X': // BINUNICODE
    case 'T': // BINSTRING
    case 'B': // BINBYTES
      if (!need(4))
        return false;
      return pushString(op == 'B' ? Value::Kind::Bytes : Value::Kind::String, readLE(take(4), 4));
    case 0x8d:   // BINUNICODE8
    case 0x8e: { // BINBYTES8
      if (!need(8))
        return false;
      uint64_t length = readLE(take(8), 8);
      if (length > code_.size())
        return need(code_.size() + 1);
      return pushString(op == 0x8e ? Value::Kind::Bytes : Value::Kind::String, length);
    }
    case 0x8c: // SHORT_BINUNICODE
    case 'U':  // SHORT_BINSTRING
    case 'C':  // SHORT_BINBYTES
      if (!need(1))
        return false;
      return pushString(op == 'C' ? Value::Kind::Bytes : Value::Kind::String, *take(1));
    case ')':
      return push(make(Value::Kind::Tuple));
    case 't': { // TUPLE
      std::vector<Value *> items;
      if (!popMark(items))
        return false;
      Value *v = make(Value::Kind::Tuple);
      if (v)
        v->items = std::move(items);
      return push(v);
    }
    case 0x85:   // TUPLE1
    case 0x86:   // TUPLE2
    case 0x87: { // TUPLE3
      size_t count = op - 0x84;
      if (stack_.size() < base() + count)
        return fail("TUPLE" + std::to_string(count) + " on a stack that is too short");
      Value *v = make(Value::Kind::Tuple);
      if (!v)
        return push(v);
      v->items.assign(stack_.end() - static_cast<std::ptrdiff_t>(count), stack_.end());
      stack_.resize(stack_.size() - count);
      return push(v);
    }
    case ']':
      return push(make(Value::Kind::List));
    case 'l': { // LIST
      std::vector<Value *> items;
      if (!popMark(items))
        return false;
      Value *v = make(Value::Kind::List);
      if (v)
        v->items = std::move(items);
      return push(v);
    }
    case 'a': { // APPEND
      Value *item = pop();
      if (!item)
        return false;
      if (stack_.size() <= base() || stack_.back()->kind != Value::Kind::List)
        return fail("APPEND to something that is not a list");
      stack_.back()->items.push_back(item);
      return true;
    }
    case 'e': { // APPENDS
      std::vector<Value *> items;
      if (!popMark(items))
        return false;
      if (stack_.size() <= base() || stack_.back()->kind != Value::Kind::List)
        return fail("APPENDS to something that is not a list");
      auto &list = stack_.back()->items;
      list.insert(list.end(), items.begin(), items.end());
      return true;
    }
    case '}':
      return push(make(Value::Kind::Dict));
    case 'd': { // DICT
      std::vector<Value *> items;
      if (!popMark(items))
        return false;
      Value *v = make(Value::Kind::Dict);
      if (!v)
        return push(v);
      return setItems(v, items) && push(v);
    }
    case 's': { // SETITEM
      Value *value = pop();
      Value *key = value ? pop() : nullptr;
      if (!key)
        return false;
      if (stack_.size() <= base())
        return fail("SETITEM without a dict");
      return setItems(stack_.back(), {key, value});
    }
    case 'u': { // SETITEMS
      std::vector<Value *> items;
      if (!popMark(items))
        return false;
      if (stack_.size() <= base())
        return fail("SETITEMS without a dict");
      return setItems(stack_.back(), items);
    }
    case 'c': { // GLOBAL
      std::string module, name;
      return readLine(module) && readLine(name) && resolveGlobal(module, name);
    }
    case 0x93: { // STACK_GLOBAL
      Value *name = pop();
      Value *module = name ? pop() : nullptr;
      if (!module)
        return false;
      if (module->kind != Value::Kind::String || name->kind != Value::Kind::String)
        return fail("STACK_GLOBAL needs two strings");
      return resolveGlobal(module->text, name->text);
    }
    case 'R':
      return reduce();
    case 'Q':
      return persistentLoad();
    case 'b': { // BUILD: state for the object below it; a state dict's `_metadata` is dropped
      Value *state = pop();
      if (!state)
        return false;
      if (stack_.size() <= base() || stack_.back()->kind != Value::Kind::Dict)
        return fail("BUILD on something that is not a dict");
      if (state->kind != Value::Kind::Dict && state->kind != Value::Kind::None)
        return fail("BUILD with a " + kindName(state) + " for state");
      return true;
    }
    case 'q': // BINPUT
      if (!need(1))
        return false;
      return memoPut(*take(1));
    case 'r': // LONG_BINPUT
      if (!need(4))
        return false;
      return memoPut(readLE(take(4), 4));
    case 0x94: // MEMOIZE
      return memoPut(memo_.size());
    case 'h': // BINGET
      if (!need(1))
        return false;
      return memoGet(*take(1));
    case 'j': // LONG_BINGET
      if (!need(4))
        return false;
      return memoGet(readLE(take(4), 4));
    default:
      return fail(std::string("unsupported pickle opcode ") + hexByte(op) + " (" + opcodeName(op) +
                  ")");
    }
  }

  Value *execute() {
    while (pos_ < code_.size()) {
      opStart_ = pos_;
      uint8_t op = *take(1);
      if (op == '.') { // STOP
        if (stack_.size() != 1 || !marks_.empty()) {
          fail("STOP with " + std::to_string(stack_.size()) + " values on the stack");
          return nullptr;
        }
        return stack_.back();
      }
      if (!step(op))
        return nullptr;
    }
    opStart_ = pos_;
    fail("the pickle ends without STOP");
    return nullptr;
  }

  bool flatten(const Value *dict, const std::string &prefix, int depth, PickledStateDict &state) {
    if (depth > kMaxDepth)
      return fail("the state dict nests deeper than " + std::to_string(kMaxDepth) + " levels");
    for (const auto &[key, value] : dict->entries) {
      if (key->kind != Value::Kind::String)
        continue; // not a parameter name
      std::string name = prefix + key->text;
      if (value->kind == Value::Kind::Tensor) {
        PickledTensor tensor = value->tensor;
        tensor.name = name;
        state.tensors.push_back(std::move(tensor));
      } else if (value->kind == Value::Kind::Dict) {
        if (!flatten(value, name + ".", depth + 1, state))
          return false;
      }
    }
    return true;
  }

  std::string_view code_;
  const std::string &file_;
  size_t pos_ = 0;
  size_t opStart_ = 0;
  std::string problem_;
  std::vector<std::unique_ptr<Value>> arena_;
  std::vector<Value *> stack_;
  std::vector<size_t> marks_;
  std::unordered_map<uint64_t, Value *> memo_;
  std::map<std::string, Dtype> storageDtypes_;
};

} // namespace

std::optional<PickledStateDict>
parseTorchPickle(std::string_view pickle, const std::string &displayName, std::string *error) {
  Machine machine(pickle, displayName);
  return machine.run(error);
}

const StorageView *TorchPickleFile::storage(const std::string &key) const {
  auto it = storages_.find(key);
  return it == storages_.end() ? nullptr : &it->second;
}

std::optional<TorchPickleFile> TorchPickleFile::open(const std::string &path, std::string *error) {
  auto bytes = Bytes::mapFile(path, error);
  if (!bytes)
    return std::nullopt;
  return fromBytes(std::move(bytes), path, error);
}

std::optional<TorchPickleFile> TorchPickleFile::fromBytes(std::shared_ptr<const Bytes> bytes,
                                                          const std::string &displayName,
                                                          std::string *error) {
  auto fail = [&](const std::string &problem) -> std::optional<TorchPickleFile> {
    if (error)
      *error = displayName + ": " + problem;
    return std::nullopt;
  };
  const uint8_t *base = bytes->data();
  uint64_t size = bytes->size();
  if (size >= 2 && base[0] == 0x80 && base[1] <= 5)
    return fail("this is PyTorch's legacy (before 1.6) format, which is not supported; re-save it "
                "with a newer torch.save or convert it to safetensors");
  if (size < 4 || readLE(base, 4) != 0x04034b50)
    return fail("not a zip archive (PyTorch >= 1.6 checkpoints are zip archives)");
  std::string problem;
  auto entries = readStoredZip(base, size, &problem);
  if (!entries)
    return fail(problem);

  // `<root>/data.pkl`; the storages are `<root>/data/<key>`.
  const ZipEntry *pickle = nullptr;
  std::string root;
  for (const ZipEntry &entry : *entries) {
    size_t slash = entry.name.find('/');
    if (slash != std::string::npos && entry.name.substr(slash) == "/data.pkl") {
      pickle = &entry;
      root = entry.name.substr(0, slash);
      break;
    }
  }
  if (!pickle)
    return fail("the archive has no `<root>/data.pkl`");
  std::string_view code(reinterpret_cast<const char *>(base + pickle->offset),
                        static_cast<size_t>(pickle->size));
  auto state = parseTorchPickle(code, displayName, error);
  if (!state)
    return std::nullopt;

  TorchPickleFile file;
  std::map<std::string, const ZipEntry *> byName;
  for (const ZipEntry &entry : *entries)
    byName.emplace(entry.name, &entry);
  for (const auto &[key, dtype] : state->storages) {
    auto it = byName.find(root + "/data/" + key);
    if (it == byName.end())
      return fail("storage `" + key + "` is missing from the archive (no `" + root + "/data/" +
                  key + "`)");
    StorageView view;
    view.dtype = dtype;
    view.data = base + it->second->offset;
    view.byteSize = static_cast<size_t>(it->second->size);
    file.storages_.emplace(key, view);
  }
  // Every element a tensor can reach lies inside its storage.
  for (const PickledTensor &tensor : state->tensors) {
    const StorageView &storage = file.storages_.at(tensor.storageKey);
    bool empty = false;
    uint64_t last = static_cast<uint64_t>(tensor.storageOffset);
    bool overflow = false;
    for (size_t d = 0; d < tensor.shape.size(); ++d) {
      if (tensor.shape[d] == 0)
        empty = true;
      uint64_t extent = static_cast<uint64_t>(tensor.shape[d]);
      uint64_t step = static_cast<uint64_t>(tensor.stride[d]);
      if (extent == 0)
        continue;
      if (step != 0 && extent - 1 > (std::numeric_limits<uint64_t>::max() - last) / step) {
        overflow = true;
        continue;
      }
      last += (extent - 1) * step;
    }
    if (empty)
      continue;
    uint64_t count = 1;
    for (int64_t extent : tensor.shape) {
      if (count > uint64_t(std::numeric_limits<int64_t>::max()) / uint64_t(extent))
        return fail("tensor `" + tensor.name + "`: the element count of its shape overflows");
      count *= uint64_t(extent);
    }
    uint64_t elements = storage.byteSize / dtypeSize(storage.dtype);
    if (overflow || last >= elements)
      return fail("tensor `" + tensor.name + "` reaches past the end of its storage `" +
                  tensor.storageKey + "` (" + std::to_string(elements) + " elements)");
  }
  file.state_ = std::move(*state);
  file.bytes_ = std::move(bytes);
  return file;
}

} // namespace ftp::runtime
