#!/usr/bin/env python3
"""Writes the small pytorch_model.bin files the TorchPickle unit tests read.

PyTorch itself is not installed here (its wheel and CUDA dependencies are gigabytes), so this script
writes the files the way `torch.save` does (torch/serialization.py, `_save` with the zip writer),
without torch:

- a zip archive of stored (uncompressed) records under one root folder: `<root>/data.pkl`,
  `<root>/byteorder` ("little"), `<root>/data/<key>` for each storage in key order, `<root>/version`
  ("3") and `<root>/.data/serialization_id`; each record's data is aligned to 64 bytes by padding
  the local header's extra field (id "FB"), as PyTorch's writer does;
- `data.pkl` is the state dict (a `collections.OrderedDict` carrying a `_metadata` attribute)
  pickled with protocol 2 (torch's default) or 4, where every tensor reduces to
  `torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad,
  OrderedDict())` and every storage is a persistent id
  `('storage', torch.<Type>Storage, key, 'cpu', numel)`.

The `torch` and `torch._utils` modules below are stand-ins registered in sys.modules so that
pickle writes the same GLOBAL opcodes the real classes would produce. The evil files hold pickles
that would call `os.system`, `builtins.eval` and `subprocess.Popen` when loaded by Python's pickle.

usage: tests/golden/make_torch_pickles.py [OUT_DIR]   (default tests/unit/runtime/data/checkpoints)
"""
import collections
import os
import pickle
import struct
import sys
import types
import zlib

# --- stand-ins for the torch globals a state dict pickle names ------------------------------------
torch = types.ModuleType("torch")
torch_utils = types.ModuleType("torch._utils")
torch._utils = torch_utils
sys.modules["torch"] = torch
sys.modules["torch._utils"] = torch_utils


def _stand_in(module, name, obj):
    obj.__module__ = module.__name__
    obj.__qualname__ = name
    obj.__name__ = name
    setattr(module, name, obj)
    return obj


def _never(*args):
    raise RuntimeError("stand-in, never called")


_stand_in(torch_utils, "_rebuild_tensor_v2", lambda *a: _never())
_stand_in(torch_utils, "_rebuild_parameter", lambda *a: _never())

# dtype -> (Storage class name, struct format, element size)
DTYPES = {
    "F32": ("FloatStorage", "f", 4),
    "F64": ("DoubleStorage", "d", 8),
    "F16": ("HalfStorage", "e", 2),
    "BF16": ("BFloat16Storage", None, 2),
    "I64": ("LongStorage", "q", 8),
    "I32": ("IntStorage", "i", 4),
    "I16": ("ShortStorage", "h", 2),
    "I8": ("CharStorage", "b", 1),
    "U8": ("ByteStorage", "B", 1),
    "BOOL": ("BoolStorage", "?", 1),
}
STORAGE_CLASSES = {}
for dtype, (name, _, _) in DTYPES.items():
    STORAGE_CLASSES[dtype] = _stand_in(torch, name, type(name, (), {}))


def pack(dtype, values):
    name, fmt, size = DTYPES[dtype]
    if dtype == "BF16":  # the upper half of the float32 (values here are exact in bfloat16)
        return b"".join(struct.pack("<f", v)[2:] for v in values)
    return struct.pack("<%d%s" % (len(values), fmt), *values)


class Storage:
    def __init__(self, key, dtype, values):
        self.key, self.dtype, self.data = key, dtype, pack(dtype, values)
        self.numel = len(values)


class Tensor:
    """Reduces as torch.Tensor.__reduce_ex__ does for a CPU tensor."""

    def __init__(self, storage, offset, size, stride, requires_grad=False, parameter=False):
        self.args = (storage, offset, tuple(size), tuple(stride), requires_grad,
                     collections.OrderedDict())
        self.parameter = parameter

    def __reduce_ex__(self, protocol):
        if self.parameter:  # torch.nn.Parameter
            inner = Tensor(*self.args[:4], requires_grad=False)
            return (torch_utils._rebuild_parameter, (inner, True, collections.OrderedDict()))
        return (torch_utils._rebuild_tensor_v2, self.args)


def contiguous(storage, size, offset=0):
    stride, step = [], 1
    for extent in reversed(size):
        stride.insert(0, step)
        step *= extent
    return Tensor(storage, offset, size, stride)


class Pickler(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, Storage):
            return ("storage", STORAGE_CLASSES[obj.dtype], obj.key, "cpu", obj.numel)
        return None


# --- the zip writer -------------------------------------------------------------------------------
def write_zip(path, root, records):
    out = bytearray()
    central = bytearray()
    for name, data in records:
        full = (root + "/" + name).encode()
        crc = zlib.crc32(data) & 0xFFFFFFFF
        offset = len(out)
        header_size = 30 + len(full)
        pad = (64 - (offset + header_size + 4) % 64) % 64
        extra = b"FB" + struct.pack("<H", pad) + b"Z" * pad
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 0, 0, 0, 0, 0, crc, len(data), len(data),
                           len(full), len(extra))
        out += full + extra
        assert len(out) % 64 == 0
        out += data
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 0, 0, 0, 0, 0, 0, crc, len(data),
                               len(data), len(full), 0, 0, 0, 0, 0, offset)
        central += full
    directory = len(out)
    out += central
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(records), len(records), len(central),
                       directory, 0)
    with open(path, "wb") as f:
        f.write(out)


def save(path, state, storages, protocol=2, root="archive"):
    import io
    buffer = io.BytesIO()
    Pickler(buffer, protocol=protocol).dump(state)
    records = [("data.pkl", buffer.getvalue()), ("byteorder", b"little")]
    for storage in sorted(storages, key=lambda s: s.key):
        records.append(("data/" + storage.key, storage.data))
    records.append(("version", b"3\n"))
    records.append((".data/serialization_id", b"1234567890123456789012345678901234567890"))
    write_zip(path, root, records)


def tiny_state():
    """Every dtype, a shared storage with views into it, a scalar and a parameter."""
    linear = Storage("0", "F32", [0.5 * i for i in range(6)])
    storages = [
        linear,
        Storage("1", "F32", [1.0, -1.0]),
        Storage("2", "F16", [0.5, 1.5, -2.0, 65504.0]),
        Storage("3", "BF16", [1.0, -2.0, 0.15625]),
        Storage("4", "I64", [0, -1, 2**40, -(2**62)]),
        Storage("5", "I32", [7, -8, 2**31 - 1]),
        Storage("6", "I16", [-32768, 32767]),
        Storage("7", "I8", [-128, 127]),
        Storage("8", "U8", [0, 1, 254, 255]),
        Storage("9", "BOOL", [True, False, True]),
        Storage("10", "F64", [3.141592653589793, -1e300]),
        Storage("11", "F32", [42.0]),
        Storage("12", "F32", [0.25, 0.75]),
    ]
    s = {st.key: st for st in storages}
    state = collections.OrderedDict()
    state["linear.weight"] = contiguous(linear, [2, 3])
    state["linear.bias"] = contiguous(s["1"], [2])
    state["tied.weight"] = contiguous(linear, [2, 3])  # the same storage again
    state["linear.weight_t"] = Tensor(linear, 0, [3, 2], [1, 3])  # a transposed view
    state["linear.row1"] = Tensor(linear, 3, [3], [1])  # a view at an offset
    state["half"] = contiguous(s["2"], [2, 2])
    state["bfloat"] = contiguous(s["3"], [3])
    state["long"] = contiguous(s["4"], [4])
    state["int"] = contiguous(s["5"], [3])
    state["short"] = contiguous(s["6"], [2])
    state["char"] = contiguous(s["7"], [2])
    state["byte"] = contiguous(s["8"], [4])
    state["bool"] = contiguous(s["9"], [3])
    state["double"] = contiguous(s["10"], [2])
    state["scalar"] = Tensor(s["11"], 0, [], [])
    state["param"] = Tensor(s["12"], 0, [2], [1], parameter=True)
    state["empty"] = Tensor(s["12"], 0, [0, 5], [5, 1])
    # What nn.Module.state_dict attaches; pickled after the items, then BUILD.
    state._metadata = collections.OrderedDict([("", {"version": 1}), ("linear", {"version": 1})])
    return state, storages


# Pickles that would run code in Python's pickle; each must be refused before anything runs.
def _global_call(module, name, argument):
    """Protocol 2, as an attacker writes it by hand: GLOBAL module name, (argument,), REDUCE."""
    text = argument.encode()
    return (b"\x80\x02c" + module.encode() + b"\n" + name.encode() + b"\nq\x00X" +
            struct.pack("<I", len(text)) + text + b"q\x01\x85q\x02Rq\x03.")


class _Call:
    def __init__(self, function, args):
        self.function, self.args = function, args

    def __reduce__(self):
        return (self.function, self.args)


def evil_pickles():
    import subprocess
    return {
        "evil-os-system.bin": _global_call("os", "system", "touch /tmp/ftpc-pwned"),
        "evil-builtins-eval.bin": _global_call("builtins", "eval", "__import__('os')"),
        # protocol 4 names the global with two strings on the stack (STACK_GLOBAL)
        "evil-subprocess-popen.bin": pickle.dumps(
            _Call(subprocess.Popen, (["touch", "/tmp/ftpc-pwned"],)), protocol=4),
    }


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "unit", "runtime", "data",
                                                             "checkpoints")
    os.makedirs(out, exist_ok=True)
    state, storages = tiny_state()
    save(os.path.join(out, "tiny.bin"), state, storages)
    save(os.path.join(out, "tiny-protocol4.bin"), state, storages, protocol=4, root="pytorch_model")
    # The bare data.pkl, a seed for the pickle machine in fuzz-torch-pickle (which reads each input
    # both as an archive and as a bare pickle).
    import io
    buffer = io.BytesIO()
    Pickler(buffer, protocol=2).dump(state)
    with open(os.path.join(out, "seed-bare-data-pkl.bin"), "wb") as f:
        f.write(buffer.getvalue())
    # Broken archives: a tensor past its storage's end, a storage record missing, a deflated entry.
    big, small = Storage("0", "F32", [1.0] * 6), Storage("1", "F32", [2.0])
    save(os.path.join(out, "bad-out-of-bounds.bin"),
         collections.OrderedDict([("w", Tensor(big, 2, [2, 3], [3, 1]))]), [big])
    save(os.path.join(out, "bad-missing-storage.bin"),
         collections.OrderedDict([("w", contiguous(big, [6])), ("v", contiguous(small, [1]))]), [big])
    import zipfile
    with zipfile.ZipFile(os.path.join(out, "bad-compressed.bin"), "w", zipfile.ZIP_DEFLATED) as z:
        info = zipfile.ZipInfo("archive/data.pkl", date_time=(2020, 1, 1, 0, 0, 0))
        z.writestr(info, pickle.dumps({}, protocol=2), compress_type=zipfile.ZIP_DEFLATED)
    # A small safetensors file, a seed for scripts/fuzz.sh (fuzz-safetensors).
    import json
    entries, data = {"__metadata__": {"format": "pt"}}, b""
    for name, dtype, values in [("a.weight", "F32", [1.0, 2.0, 3.0, 4.0]), ("b.ids", "I64", [1, 2]),
                                ("c.half", "F16", [0.5]), ("d.mask", "BOOL", [True, False])]:
        blob = pack(dtype, values)
        entries[name] = {"dtype": dtype, "shape": [len(values)],
                         "data_offsets": [len(data), len(data) + len(blob)]}
        data += blob
    header = json.dumps(entries, separators=(",", ":")).encode()
    header += b" " * ((8 - len(header) % 8) % 8)
    with open(os.path.join(out, "seed.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(header)) + header + data)
    for name, code in evil_pickles().items():
        # Python itself agrees these name the dangerous globals.
        import pickletools
        ops = [(op.name, arg) for op, arg, _ in pickletools.genops(code)]
        assert any(n in ("GLOBAL", "STACK_GLOBAL") for n, _ in ops), name
        write_zip(os.path.join(out, name), "archive", [("data.pkl", code), ("version", b"3\n")])


if __name__ == "__main__":
    main()
