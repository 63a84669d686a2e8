#!/usr/bin/env python3
"""pytorch_model.bin fixtures for TorchCheckpointReaderTest and the HF-folder tests: small ALBERT-shaped state
dicts written by torch.save itself (the zip layout and the legacy one, F32/F16/BF16, tied and aliased tensors,
strided views, shards), each with the same values in a safetensors file written here by hand, which is what the
Java reader must read back; and one pickle that asks for os.system, which it must refuse. Not run in CI (the tests
never need torch); regenerate with
    /usr/bin/python3 java/src/test/python/make_torch_checkpoints.py
(needs only torch; written with Debian's python3-torch 1.13). Output: java/src/test/resources/fixtures/torch/."""
import collections
import json
import os
import shutil
import struct

import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources", "fixtures", "torch")
CONFIG = {
    "vocab_size": 30, "embedding_size": 8, "hidden_size": 16, "num_hidden_layers": 2, "num_hidden_groups": 1,
    "num_attention_heads": 2, "intermediate_size": 32, "inner_group_num": 1, "hidden_act": "gelu_new",
    "hidden_dropout_prob": 0.0, "attention_probs_dropout_prob": 0.0, "classifier_dropout_prob": 0.1,
    "max_position_embeddings": 16, "type_vocab_size": 2, "initializer_range": 0.02, "layer_norm_eps": 1e-12,
    "pad_token_id": 0, "bos_token_id": 2, "eos_token_id": 3, "position_embedding_type": "absolute",
    "model_type": "albert", "architectures": ["AlbertForPreTraining"],
}
# Where a marker would appear if a reader ran the malicious pickle (it must not).
EVIL_MARKER = "/tmp/albert4j-evil-pickle-ran"


def shapes(c):
    V, E, H, I, P, T = (c[k] for k in ("vocab_size", "embedding_size", "hidden_size", "intermediate_size",
                                      "max_position_embeddings", "type_vocab_size"))
    s = collections.OrderedDict()
    s["albert.embeddings.word_embeddings.weight"] = [V, E]
    s["albert.embeddings.position_embeddings.weight"] = [P, E]
    s["albert.embeddings.token_type_embeddings.weight"] = [T, E]
    s["albert.embeddings.LayerNorm.weight"] = [E]
    s["albert.embeddings.LayerNorm.bias"] = [E]
    s["albert.encoder.embedding_hidden_mapping_in.weight"] = [H, E]
    s["albert.encoder.embedding_hidden_mapping_in.bias"] = [H]
    pre = "albert.encoder.albert_layer_groups.0.albert_layers.0."
    s[pre + "full_layer_layer_norm.weight"] = [H]
    s[pre + "full_layer_layer_norm.bias"] = [H]
    for n in ("query", "key", "value", "dense"):
        s[pre + "attention." + n + ".weight"] = [H, H]
        s[pre + "attention." + n + ".bias"] = [H]
    s[pre + "attention.LayerNorm.weight"] = [H]
    s[pre + "attention.LayerNorm.bias"] = [H]
    s[pre + "ffn.weight"] = [I, H]
    s[pre + "ffn.bias"] = [I]
    s[pre + "ffn_output.weight"] = [H, I]
    s[pre + "ffn_output.bias"] = [H]
    s["albert.pooler.weight"] = [H, H]
    s["albert.pooler.bias"] = [H]
    s["predictions.bias"] = [V]
    s["predictions.LayerNorm.weight"] = [E]
    s["predictions.LayerNorm.bias"] = [E]
    s["predictions.dense.weight"] = [E, H]
    s["predictions.dense.bias"] = [E]
    s["sop_classifier.classifier.weight"] = [2, H]
    s["sop_classifier.classifier.bias"] = [2]
    return s


def pretraining_state_dict(seed):
    """As HF's AlbertForPreTraining.state_dict(): the position_ids buffer, the tied decoder weight (the same tensor
    as the word embeddings) and predictions.decoder.bias (the same tensor as predictions.bias)."""
    g = torch.Generator().manual_seed(seed)
    sd = collections.OrderedDict()
    for name, shape in shapes(CONFIG).items():
        sd[name] = torch.randn(*shape, generator=g) * 0.5
    sd["albert.embeddings.position_ids"] = torch.arange(CONFIG["max_position_embeddings"]).unsqueeze(0)
    sd["predictions.decoder.weight"] = sd["albert.embeddings.word_embeddings.weight"]
    sd["predictions.decoder.bias"] = sd["predictions.bias"]
    sd._metadata = collections.OrderedDict([("", {"version": 1})])  # as nn.Module.state_dict() attaches
    return sd


DTYPES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.int64: "I64"}


def write_safetensors(path, tensors):
    """The safetensors layout by hand (8-byte header length, JSON header, data), so the expected values do not
    come from torch's serializer."""
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        t = t.contiguous()
        if t.dtype == torch.bfloat16:
            data = t.view(torch.int16).numpy().tobytes()
        else:
            data = t.numpy().tobytes()
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def folder(name, state_dict, config=CONFIG, legacy=False, file="pytorch_model.bin"):
    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    torch.save(state_dict, os.path.join(d, file), _use_new_zipfile_serialization=not legacy)
    return d


def distinct(sd):
    """The state dict without its aliases (what the expected safetensors file holds)."""
    return collections.OrderedDict((k, v) for k, v in sd.items()
                                   if k not in ("predictions.decoder.weight", "predictions.decoder.bias"))


class Evil:
    def __reduce__(self):
        return os.system, ("touch " + EVIL_MARKER,)


def main():
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(OUT)

    # 1. AlbertForPreTraining, F32, zip layout.
    sd = pretraining_state_dict(1)
    folder("albert_pretraining_f32", sd)
    write_safetensors(os.path.join(OUT, "albert_pretraining_f32.expected.safetensors"), distinct(sd))

    # 2. AlbertForMaskedLM (no pooler, no SOP head), F16: a head subset HF would initialise on load.
    mlm = collections.OrderedDict((k, (v.half() if v.is_floating_point() else v)) for k, v in sd.items()
                                  if not k.startswith(("albert.pooler.", "sop_classifier.")))
    mlm["predictions.decoder.weight"] = mlm["albert.embeddings.word_embeddings.weight"]
    mlm["predictions.decoder.bias"] = mlm["predictions.bias"]
    folder("albert_mlm_f16", mlm, dict(CONFIG, architectures=["AlbertForMaskedLM"]))
    write_safetensors(os.path.join(OUT, "albert_mlm_f16.expected.safetensors"), distinct(mlm))

    # 3. The same pretraining weights in BF16, legacy (pre-1.6) layout.
    bf = collections.OrderedDict((k, (v.bfloat16() if v.is_floating_point() else v)) for k, v in sd.items())
    bf["predictions.decoder.weight"] = bf["albert.embeddings.word_embeddings.weight"]
    bf["predictions.decoder.bias"] = bf["predictions.bias"]
    folder("albert_pretraining_bf16_legacy", bf, legacy=True)
    write_safetensors(os.path.join(OUT, "albert_pretraining_bf16_legacy.expected.safetensors"), distinct(bf))

    # 4. Two shards and HF's index (pytorch_model.bin.index.json).
    d = os.path.join(OUT, "albert_sharded")
    os.makedirs(d)
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(CONFIG, f, indent=2)
    names = list(distinct(sd).keys())
    half = len(names) // 2
    weight_map, total = {}, 0
    for i, part in enumerate((names[:half], names[half:])):
        shard = "pytorch_model-%05d-of-00002.bin" % (i + 1)
        torch.save(collections.OrderedDict((n, sd[n].clone()) for n in part), os.path.join(d, shard))
        for n in part:
            weight_map[n] = shard
            total += sd[n].numel() * sd[n].element_size()
    with open(os.path.join(d, "pytorch_model.bin.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=2)

    # 5. Views: a transposed tensor (strides), a slice (storage offset), a column, a scalar, an empty tensor,
    #    two names on one storage.
    g = torch.Generator().manual_seed(5)
    base = torch.randn(4, 6, generator=g)
    views = collections.OrderedDict()
    views["transposed"] = base.t()
    views["sliced"] = base[1:3]
    views["column"] = base[:, 2]
    views["scalar"] = torch.tensor(3.5)
    views["empty"] = torch.zeros(0, 3)
    views["base"] = base
    views["half_row"] = base[3, ::2].half()
    torch.save(views, os.path.join(OUT, "views.bin"))
    write_safetensors(os.path.join(OUT, "views.expected.safetensors"), views)

    # 6. A pickle that asks for os.system: torch.load would run it; the reader must refuse it.
    evil = collections.OrderedDict([("albert.pooler.bias", torch.zeros(2)), ("payload", Evil())])
    torch.save(evil, os.path.join(OUT, "evil_global.bin"))

    for root, _, files in sorted(os.walk(OUT)):
        for f in sorted(files):
            p = os.path.join(root, f)
            print("%7d %s" % (os.path.getsize(p), os.path.relpath(p, OUT)))


if __name__ == "__main__":
    main()
