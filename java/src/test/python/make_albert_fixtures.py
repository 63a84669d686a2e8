#!/usr/bin/env python3
"""Parity fixtures for the Java ALBERT model: a plain-PyTorch ALBERT with HF parameter names (albert-spec.md
sections 1-2), run in float64 on float32 weights; writes weights, inputs, outputs and d(loss)/d(param) as
safetensors files under java/src/test/resources/fixtures/. Not run in CI; regenerate with
    /usr/bin/python3 java/src/test/python/make_albert_fixtures.py
(needs only torch; tested with Debian's python3-torch 1.13)."""
import json
import math
import os
import struct

import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources", "fixtures")


def act(name, x):
    if name == "gelu":  # HF "gelu": exact erf form
        return 0.5 * x * (1.0 + torch.erf(x / math.sqrt(2.0)))
    if name == "gelu_new":  # HF "gelu_new" / GR "gelu": tanh approximation
        return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))
    if name == "relu":
        return torch.relu(x)
    raise ValueError(name)


def layer_norm(x, w, b, eps):
    mean = x.mean(-1, keepdim=True)
    var = ((x - mean) ** 2).mean(-1, keepdim=True)
    return (x - mean) / torch.sqrt(var + eps) * w + b


def linear(x, p, name):
    return x @ p[name + ".weight"].t() + p[name + ".bias"]


def parameter_shapes(c):
    V, E, H, I, P, T = c["vocab_size"], c["embedding_size"], c["hidden_size"], c["intermediate_size"], \
        c["max_position_embeddings"], c["type_vocab_size"]
    s = {}
    s["albert.embeddings.word_embeddings.weight"] = [V, E]
    s["albert.embeddings.position_embeddings.weight"] = [P, E]
    s["albert.embeddings.token_type_embeddings.weight"] = [T, E]
    s["albert.embeddings.LayerNorm.weight"] = [E]
    s["albert.embeddings.LayerNorm.bias"] = [E]
    s["albert.encoder.embedding_hidden_mapping_in.weight"] = [H, E]
    s["albert.encoder.embedding_hidden_mapping_in.bias"] = [H]
    for g in range(c["num_hidden_groups"]):
        for k in range(c["inner_group_num"]):
            pre = "albert.encoder.albert_layer_groups.%d.albert_layers.%d." % (g, k)
            s[pre + "full_layer_layer_norm.weight"] = [H]
            s[pre + "full_layer_layer_norm.bias"] = [H]
            for n in ("query", "key", "value", "dense"):
                s[pre + "attention.%s.weight" % n] = [H, H]
                s[pre + "attention.%s.bias" % n] = [H]
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


def forward(c, p, ids, mask, types, labels, sop):
    """AlbertForPreTraining.forward with dropout 0; returns the HF outputs and the loss."""
    eps = c["layer_norm_eps"]
    B, S = ids.shape
    word = p["albert.embeddings.word_embeddings.weight"][ids]
    # HF padding_idx: the lookup passes no gradient to the pad row (the tied decoder still does)
    word = torch.where((ids == c["pad_token_id"]).unsqueeze(-1), word.detach(), word)
    x = word \
        + p["albert.embeddings.position_embeddings.weight"][:S].unsqueeze(0) \
        + p["albert.embeddings.token_type_embeddings.weight"][types]
    x = layer_norm(x, p["albert.embeddings.LayerNorm.weight"], p["albert.embeddings.LayerNorm.bias"], eps)
    h = linear(x, p, "albert.encoder.embedding_hidden_mapping_in")
    mask_add = (1.0 - mask.to(h.dtype)) * -10000.0  # HF v4.x / GR extended attention mask
    L, G, N = c["num_hidden_layers"], c["num_hidden_groups"], c["num_attention_heads"]
    d = c["hidden_size"] // N
    for layer in range(L):
        g = int(layer / (L / G))
        for k in range(c["inner_group_num"]):
            pre = "albert.encoder.albert_layer_groups.%d.albert_layers.%d." % (g, k)

            def heads(t):
                return t.view(B, S, N, d).permute(0, 2, 1, 3)
            q = heads(linear(h, p, pre + "attention.query"))
            kk = heads(linear(h, p, pre + "attention.key"))
            v = heads(linear(h, p, pre + "attention.value"))
            scores = q @ kk.transpose(-1, -2) / math.sqrt(d) + mask_add[:, None, None, :]
            ctx = (torch.softmax(scores, -1) @ v).permute(0, 2, 1, 3).reshape(B, S, N * d)
            attn = layer_norm(h + linear(ctx, p, pre + "attention.dense"), p[pre + "attention.LayerNorm.weight"],
                              p[pre + "attention.LayerNorm.bias"], eps)
            f = linear(act(c["hidden_act"], linear(attn, p, pre + "ffn")), p, pre + "ffn_output")
            h = layer_norm(f + attn, p[pre + "full_layer_layer_norm.weight"], p[pre + "full_layer_layer_norm.bias"],
                           eps)
    pooled = torch.tanh(linear(h[:, 0], p, "albert.pooler"))
    t = act(c["hidden_act"], linear(h, p, "predictions.dense"))
    t = layer_norm(t, p["predictions.LayerNorm.weight"], p["predictions.LayerNorm.bias"], eps)  # eps: spec §1
    logits = t @ p["albert.embeddings.word_embeddings.weight"].t() + p["predictions.bias"]
    sop_logits = linear(pooled, p, "sop_classifier.classifier")
    ce = torch.nn.functional.cross_entropy
    loss = ce(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1), ignore_index=-100) + ce(sop_logits, sop)
    return h, pooled, logits, sop_logits, loss


def save_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    codes = {torch.float32: "F32", torch.int32: "I32", torch.int64: "I64"}
    for name, t in tensors.items():
        raw = t.contiguous().numpy().tobytes()
        header[name] = {"dtype": codes[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for raw in blobs:
            f.write(raw)


def make(name, config, seed, B=3, S=12):
    gen = torch.Generator().manual_seed(seed)
    params = {}
    for key, shape in parameter_shapes(config).items():
        if key.endswith("LayerNorm.weight") or key.endswith("layer_norm.weight"):
            t = 1.0 + 0.1 * torch.randn(shape, generator=gen)
        elif len(shape) == 1:
            t = 0.1 * torch.randn(shape, generator=gen)  # non-zero biases so their use is tested
        elif "embeddings" in key:
            t = 0.5 * torch.randn(shape, generator=gen)
        else:
            t = torch.randn(shape, generator=gen) / math.sqrt(shape[1])  # unit-variance activations
        params[key] = t.float()
    V, pad = config["vocab_size"], config["pad_token_id"]
    lengths = [S, S - 4, 5][:B]
    ids = torch.randint(5, V, (B, S), generator=gen)
    mask = torch.zeros(B, S, dtype=torch.int64)
    types = torch.zeros(B, S, dtype=torch.int64)
    labels = torch.full((B, S), -100, dtype=torch.int64)
    for b, n in enumerate(lengths):
        mask[b, :n] = 1
        ids[b, n:] = pad
        types[b, n // 2:n] = 1
        ids[b, 0] = config["bos_token_id"]
        for s in range(1, n, 3):  # every third real token is an MLM target
            labels[b, s] = int(torch.randint(0, V, (1,), generator=gen))
    sop = torch.tensor([0, 1, 1][:B], dtype=torch.int64)
    p64 = {k: v.double().requires_grad_(True) for k, v in params.items()}
    h, pooled, logits, sop_logits, loss = forward(config, p64, ids, mask, types, labels, sop)
    loss.backward()
    grads = {"grad." + k: t.grad.float() for k, t in p64.items()}
    tensors = {}
    tensors.update(params)
    tensors.update({"input_ids": ids.int(), "attention_mask": mask, "token_type_ids": types.int(),
                    "labels": labels, "sentence_order_label": sop})
    tensors.update({"last_hidden_state": h.detach().float(), "pooler_output": pooled.detach().float(),
                    "prediction_logits": logits.detach().float(), "sop_logits": sop_logits.detach().float(),
                    "loss": loss.detach().float().reshape(1)})
    tensors.update(grads)
    os.makedirs(OUT, exist_ok=True)
    save_safetensors(os.path.join(OUT, name + ".safetensors"), tensors)
    with open(os.path.join(OUT, name + ".config.json"), "w") as f:
        json.dump(config, f, indent=2)
    print(name, "loss", float(loss), "bytes", os.path.getsize(os.path.join(OUT, name + ".safetensors")))


BASE = {"vocab_size": 100, "embedding_size": 16, "hidden_size": 32, "num_hidden_layers": 3, "num_hidden_groups": 1,
        "num_attention_heads": 4, "intermediate_size": 64, "inner_group_num": 1, "hidden_act": "gelu_new",
        "hidden_dropout_prob": 0.0, "attention_probs_dropout_prob": 0.0, "classifier_dropout_prob": 0.0,
        "max_position_embeddings": 32, "type_vocab_size": 2, "initializer_range": 0.02, "layer_norm_eps": 1e-12,
        "pad_token_id": 0, "bos_token_id": 2, "eos_token_id": 3, "position_embedding_type": "absolute",
        "model_type": "albert", "architectures": ["AlbertForPreTraining"]}

if __name__ == "__main__":
    torch.set_grad_enabled(True)
    make("albert_shared_l3_gelu_new", dict(BASE), seed=1)
    make("albert_groups2_l4_gelu", dict(BASE, num_hidden_layers=4, num_hidden_groups=2, hidden_act="gelu"), seed=2)
    make("albert_groups2_inner2_l3_gelu_new", dict(BASE, num_hidden_groups=2, inner_group_num=2), seed=3, B=2, S=9)
