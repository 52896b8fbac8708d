//===- Safetensors.cpp - reading and writing the safetensors format -------------===//

#include "ftp/runtime/Safetensors.h"

#include "ftp/record/Files.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <limits>
#include <set>
#include <sys/stat.h>
#include <unistd.h>

namespace ftp::runtime {
namespace {

// The reference implementation refuses headers over 100 MB.
constexpr uint64_t kMaxHeaderSize = 100'000'000;

struct DtypeInfo {
  Dtype dtype;
  const char *name;
  size_t size;
};
constexpr DtypeInfo kDtypes[] = {
    {Dtype::BOOL, "BOOL", 1}, {Dtype::U8, "U8", 1},   {Dtype::I8, "I8", 1},
    {Dtype::I16, "I16", 2},   {Dtype::F16, "F16", 2}, {Dtype::BF16, "BF16", 2},
    {Dtype::I32, "I32", 4},   {Dtype::F32, "F32", 4}, {Dtype::F64, "F64", 8},
    {Dtype::I64, "I64", 8},
};

std::string shapeText(const std::vector<int64_t> &shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + "]";
}

// Element count of `shape` times `elementSize`, or std::nullopt when it overflows 64 bits.
std::optional<uint64_t> checkedBytes(const std::vector<uint64_t> &shape, uint64_t elementSize) {
  uint64_t count = 1;
  for (uint64_t extent : shape) {
    if (extent != 0 && count > std::numeric_limits<uint64_t>::max() / extent)
      return std::nullopt;
    count *= extent;
  }
  if (count != 0 && elementSize > std::numeric_limits<uint64_t>::max() / count)
    return std::nullopt;
  return count * elementSize;
}

using Json = nlohmann::json;

// Parses the header, refusing duplicate keys in any object (nlohmann keeps the last silently).
std::optional<Json> parseHeader(std::string_view text, std::string *problem) {
  std::vector<std::set<std::string>> keys;
  std::string duplicate;
  auto callback = [&](int, Json::parse_event_t event, Json &parsed) {
    switch (event) {
    case Json::parse_event_t::object_start:
      keys.emplace_back();
      break;
    case Json::parse_event_t::object_end:
      if (!keys.empty())
        keys.pop_back();
      break;
    case Json::parse_event_t::key:
      if (!keys.empty() && !keys.back().insert(parsed.get<std::string>()).second &&
          duplicate.empty())
        duplicate = parsed.get<std::string>();
      break;
    default:
      break;
    }
    return true;
  };
  try {
    Json header = Json::parse(text.begin(), text.end(), callback);
    if (!duplicate.empty()) {
      *problem = "the header names `" + duplicate + "` twice";
      return std::nullopt;
    }
    return header;
  } catch (const Json::exception &e) {
    *problem = std::string("the header is not valid JSON: ") + e.what();
    return std::nullopt;
  }
}

// Validates one tensor entry; on success fills `view` (without data) and `begin`/`end`.
bool parseEntry(const std::string &name, const Json &entry, TensorView &view, uint64_t &begin,
                uint64_t &end, std::string *problem) {
  std::string where = "tensor `" + name + "`: ";
  if (!entry.is_object()) {
    *problem = where + "the entry is not an object";
    return false;
  }
  for (const auto &[key, value] : entry.items()) {
    (void)value;
    if (key != "dtype" && key != "shape" && key != "data_offsets") {
      *problem = where + "unknown field `" + key + "` (expected `dtype`, `shape`, `data_offsets`)";
      return false;
    }
  }
  for (const char *field : {"dtype", "shape", "data_offsets"})
    if (!entry.contains(field)) {
      *problem = where + "missing field `" + field + "`";
      return false;
    }
  const Json &dtype = entry["dtype"];
  if (!dtype.is_string()) {
    *problem = where + "`dtype` is not a string";
    return false;
  }
  auto parsed = parseDtype(dtype.get<std::string>());
  if (!parsed) {
    *problem = where + "unknown or unsupported dtype `" + dtype.get<std::string>() +
               "` (supported: BOOL, U8, I8, I16, F16, BF16, I32, F32, F64, I64)";
    return false;
  }
  view.dtype = *parsed;
  const Json &shape = entry["shape"];
  if (!shape.is_array()) {
    *problem = where + "`shape` is not an array";
    return false;
  }
  std::vector<uint64_t> extents;
  for (const Json &extent : shape) {
    if (!extent.is_number_unsigned() ||
        extent.get<uint64_t>() > uint64_t(std::numeric_limits<int64_t>::max())) {
      *problem = where + "`shape` must hold non-negative integers, found " + extent.dump();
      return false;
    }
    extents.push_back(extent.get<uint64_t>());
    view.shape.push_back(static_cast<int64_t>(extent.get<uint64_t>()));
  }
  const Json &offsets = entry["data_offsets"];
  if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() ||
      !offsets[1].is_number_unsigned()) {
    *problem = where + "`data_offsets` must be two non-negative integers, found " + offsets.dump();
    return false;
  }
  begin = offsets[0].get<uint64_t>();
  end = offsets[1].get<uint64_t>();
  if (end < begin) {
    *problem = where + "`data_offsets` [" + std::to_string(begin) + ", " + std::to_string(end) +
               "] end before they begin";
    return false;
  }
  auto bytes = checkedBytes(extents, dtypeSize(view.dtype));
  if (!bytes) {
    *problem = where + "the size of shape " + shapeText(view.shape) + " overflows";
    return false;
  }
  if (end - begin != *bytes) {
    *problem = where + "`data_offsets` [" + std::to_string(begin) + ", " + std::to_string(end) +
               "] hold " + std::to_string(end - begin) + " bytes but shape " +
               shapeText(view.shape) + " of " + dtypeName(view.dtype) + " needs " +
               std::to_string(*bytes);
    return false;
  }
  view.byteSize = static_cast<size_t>(*bytes);
  return true;
}

} // namespace

const char *dtypeName(Dtype dtype) {
  for (const auto &info : kDtypes)
    if (info.dtype == dtype)
      return info.name;
  return "?";
}

std::optional<Dtype> parseDtype(std::string_view name) {
  for (const auto &info : kDtypes)
    if (name == info.name)
      return info.dtype;
  return std::nullopt;
}

size_t dtypeSize(Dtype dtype) {
  for (const auto &info : kDtypes)
    if (info.dtype == dtype)
      return info.size;
  return 1;
}

int64_t TensorView::numel() const {
  // Validated shapes describe at most the file's bytes, unless an extent is zero.
  int64_t count = 1;
  for (int64_t extent : shape)
    if (extent == 0)
      return 0;
  for (int64_t extent : shape)
    count *= extent;
  return count;
}

std::optional<SafetensorsFile> SafetensorsFile::open(const std::string &path, std::string *error) {
  auto bytes = Bytes::mapFile(path, error);
  if (!bytes)
    return std::nullopt;
  return fromBytes(std::move(bytes), path, error);
}

std::optional<SafetensorsFile> SafetensorsFile::fromBytes(std::shared_ptr<const Bytes> bytes,
                                                          const std::string &displayName,
                                                          std::string *error) {
  auto fail = [&](const std::string &problem) -> std::optional<SafetensorsFile> {
    if (error)
      *error = displayName + ": " + problem;
    return std::nullopt;
  };
  const uint8_t *base = bytes->data();
  uint64_t size = bytes->size();
  if (size < 8)
    return fail("the file has " + std::to_string(size) +
                " bytes, fewer than the 8 of a safetensors header length");
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i)
    n = (n << 8) | base[i];
  if (n < 2)
    return fail("the header length " + std::to_string(n) + " is too small for a JSON object");
  if (n > kMaxHeaderSize)
    return fail("the header length " + std::to_string(n) + " is over the limit of " +
                std::to_string(kMaxHeaderSize) + " bytes");
  if (n > size - 8)
    return fail("the header length " + std::to_string(n) + " runs past the end of the file (" +
                std::to_string(size) + " bytes)");

  std::string problem;
  std::string_view text(reinterpret_cast<const char *>(base + 8), static_cast<size_t>(n));
  auto header = parseHeader(text, &problem);
  if (!header)
    return fail(problem);
  if (!header->is_object())
    return fail("the header is not a JSON object");

  SafetensorsFile file;
  file.path_ = displayName;
  file.headerSize_ = n;
  uint64_t dataSize = size - 8 - n;
  const uint8_t *data = base + 8 + n;

  struct Placed {
    TensorView view;
    uint64_t begin, end;
  };
  std::vector<Placed> placed;
  for (const auto &[name, entry] : header->items()) {
    if (name == "__metadata__") {
      if (!entry.is_object())
        return fail("`__metadata__` is not an object");
      for (const auto &[key, value] : entry.items()) {
        if (!value.is_string())
          return fail("`__metadata__` entry `" + key + "` is not a string");
        file.metadata_[key] = value.get<std::string>();
      }
      continue;
    }
    Placed tensor;
    tensor.view.name = name;
    if (!parseEntry(name, entry, tensor.view, tensor.begin, tensor.end, &problem))
      return fail(problem);
    if (tensor.end > dataSize)
      return fail("tensor `" + name + "`: `data_offsets` [" + std::to_string(tensor.begin) + ", " +
                  std::to_string(tensor.end) + "] run past the end of the data section (" +
                  std::to_string(dataSize) + " bytes)");
    placed.push_back(std::move(tensor));
  }

  // The tensors must tile the data section exactly: no overlap, no gap, nothing left over.
  std::sort(placed.begin(), placed.end(), [](const Placed &a, const Placed &b) {
    return std::tie(a.begin, a.end, a.view.name) < std::tie(b.begin, b.end, b.view.name);
  });
  uint64_t covered = 0;
  const std::string *previous = nullptr;
  for (const Placed &tensor : placed) {
    if (tensor.begin < covered)
      return fail("tensor `" + tensor.view.name + "` overlaps tensor `" + *previous + "` (bytes " +
                  std::to_string(tensor.begin) + " to " + std::to_string(covered) + ")");
    if (tensor.begin > covered)
      return fail("bytes " + std::to_string(covered) + " to " + std::to_string(tensor.begin) +
                  " of the data section belong to no tensor (a gap before tensor `" +
                  tensor.view.name + "`)");
    covered = tensor.end;
    previous = &tensor.view.name;
  }
  if (covered != dataSize)
    return fail("bytes " + std::to_string(covered) + " to " + std::to_string(dataSize) +
                " of the data section belong to no tensor (trailing bytes after the last tensor)");

  file.tensors_.reserve(placed.size());
  for (Placed &tensor : placed) {
    tensor.view.data = data + tensor.begin;
    tensor.view.owner = bytes;
    file.tensors_.push_back(std::move(tensor.view));
  }
  file.bytes_ = std::move(bytes);
  return file;
}

const TensorView *SafetensorsFile::find(std::string_view name) const {
  for (const TensorView &view : tensors_)
    if (view.name == name)
      return &view;
  return nullptr;
}

std::optional<std::string> serializeSafetensors(const std::vector<TensorToWrite> &tensors,
                                                const std::map<std::string, std::string> &metadata,
                                                std::string *error) {
  auto fail = [&](const std::string &problem) -> std::optional<std::string> {
    if (error)
      *error = problem;
    return std::nullopt;
  };
  std::vector<const TensorToWrite *> order;
  std::set<std::string_view> names;
  for (const TensorToWrite &tensor : tensors) {
    if (tensor.name == "__metadata__")
      return fail("a tensor cannot be called `__metadata__`");
    if (!names.insert(tensor.name).second)
      return fail("tensor `" + tensor.name + "` is given twice");
    std::vector<uint64_t> extents;
    for (int64_t extent : tensor.shape) {
      if (extent < 0)
        return fail("tensor `" + tensor.name + "`: negative extent in shape " +
                    shapeText(tensor.shape));
      extents.push_back(static_cast<uint64_t>(extent));
    }
    auto bytes = checkedBytes(extents, dtypeSize(tensor.dtype));
    if (!bytes || *bytes != tensor.byteSize)
      return fail("tensor `" + tensor.name + "`: " + std::to_string(tensor.byteSize) +
                  " bytes of data do not fit shape " + shapeText(tensor.shape) + " of " +
                  dtypeName(tensor.dtype));
    if (tensor.byteSize != 0 && !tensor.data)
      return fail("tensor `" + tensor.name + "` has no data");
    order.push_back(&tensor);
  }
  // As the reference: descending dtype (its enum is in increasing alignment), then by name.
  std::sort(order.begin(), order.end(), [](const TensorToWrite *a, const TensorToWrite *b) {
    if (a->dtype != b->dtype)
      return a->dtype > b->dtype;
    return a->name < b->name;
  });

  // Compact JSON, `__metadata__` first, entries in data order, as serde_json writes it.
  bool badText = false;
  auto quoted = [&badText](const std::string &text) {
    try {
      return Json(text).dump();
    } catch (const Json::exception &) { // not UTF-8
      badText = true;
      return std::string("\"\"");
    }
  };
  std::string header = "{";
  if (!metadata.empty()) {
    header += "\"__metadata__\":{";
    bool first = true;
    for (const auto &[key, value] : metadata) {
      header += (first ? "" : ",") + quoted(key) + ":" + quoted(value);
      first = false;
    }
    header += "}";
  }
  uint64_t offset = 0;
  for (const TensorToWrite *tensor : order) {
    if (header.size() > 1)
      header += ",";
    header += quoted(tensor->name) + ":{\"dtype\":\"" + dtypeName(tensor->dtype) + "\",\"shape\":[";
    for (size_t i = 0; i < tensor->shape.size(); ++i)
      header += (i ? "," : "") + std::to_string(tensor->shape[i]);
    header += "],\"data_offsets\":[" + std::to_string(offset) + "," +
              std::to_string(offset + tensor->byteSize) + "]}";
    offset += tensor->byteSize;
  }
  header += "}";
  if (badText)
    return fail("a tensor name or a metadata entry is not valid UTF-8");
  header.append((8 - header.size() % 8) % 8, ' ');
  if (header.size() > kMaxHeaderSize)
    return fail("the header would be " + std::to_string(header.size()) +
                " bytes, over the limit of " + std::to_string(kMaxHeaderSize));

  std::string out;
  out.reserve(8 + header.size() + offset);
  uint64_t n = header.size();
  for (int i = 0; i < 8; ++i)
    out.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
  out += header;
  for (const TensorToWrite *tensor : order)
    out.append(static_cast<const char *>(tensor->data), tensor->byteSize);
  return out;
}

bool writeSafetensors(const std::string &path, const std::vector<TensorToWrite> &tensors,
                      const std::map<std::string, std::string> &metadata, std::string *error) {
  std::string problem;
  auto contents = serializeSafetensors(tensors, metadata, &problem);
  if (!contents) {
    if (error)
      *error = path + ": " + problem;
    return false;
  }
  std::string why;
  if (record::writeFileAtomically(path, *contents, &why))
    return true;
  if (error)
    *error = "cannot write `" + path + "`: " + why;
  return false;
}

} // namespace ftp::runtime
