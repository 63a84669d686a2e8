#!/usr/bin/env python3
"""Parity fixtures for the fine-tuning heads (AlbertForSequenceClassification, -QuestionAnswering, -MultipleChoice,
-TokenClassification): the plain-PyTorch ALBERT of make_albert_fixtures.py (float64 on float32 weights) with the
heads and losses of HF's modeling_albert on top. Writes albert_head_<head>.safetensors (weights, inputs, and per
case '<case>/...' the head weights, labels, logits, loss and d(loss)/d(param) as 'grad.<key>') and one shared
albert_heads.config.json under java/src/test/resources/fixtures/. A case's num_labels and problem_type are in
the test. Not run in CI; regenerate with
    /usr/bin/python3 java/src/test/python/make_albert_head_fixtures.py"""
import json
import math
import os

import torch

from make_albert_fixtures import OUT, forward, linear, parameter_shapes, save_safetensors

CONFIG = {"vocab_size": 40, "embedding_size": 8, "hidden_size": 16, "num_hidden_layers": 2, "num_hidden_groups": 1,
          "num_attention_heads": 2, "intermediate_size": 32, "inner_group_num": 1, "hidden_act": "gelu_new",
          "hidden_dropout_prob": 0.0, "attention_probs_dropout_prob": 0.0, "classifier_dropout_prob": 0.0,
          "max_position_embeddings": 16, "type_vocab_size": 2, "initializer_range": 0.02, "layer_norm_eps": 1e-12,
          "pad_token_id": 0, "bos_token_id": 2, "eos_token_id": 3, "position_embedding_type": "absolute",
          "model_type": "albert"}
ce = torch.nn.functional.cross_entropy


def random_params(gen, shapes):
    params = {}
    for key, shape in shapes.items():
        if key.endswith("LayerNorm.weight") or key.endswith("layer_norm.weight"):
            t = 1.0 + 0.1 * torch.randn(shape, generator=gen)
        elif len(shape) == 1:
            t = 0.1 * torch.randn(shape, generator=gen)
        elif "embeddings" in key:
            t = 0.5 * torch.randn(shape, generator=gen)
        else:
            t = torch.randn(shape, generator=gen) / math.sqrt(shape[1])
        params[key] = t.float()
    return params


def batch(gen, B, S, lengths):
    ids = torch.randint(5, CONFIG["vocab_size"], (B, S), generator=gen)
    mask = torch.zeros(B, S, dtype=torch.int64)
    types = torch.zeros(B, S, dtype=torch.int64)
    for b, n in enumerate(lengths):
        mask[b, :n] = 1
        ids[b, n:] = CONFIG["pad_token_id"]
        types[b, n // 2:n] = 1
        ids[b, 0] = CONFIG["bos_token_id"]
    return ids, mask, types


def encoder(base, ids, mask, types):
    """Last hidden state and pooled output of the reference (its MLM/SOP outputs are dropped)."""
    B, S = ids.shape
    dummy_labels = torch.zeros(B, S, dtype=torch.int64)
    h, pooled, _, _, _ = forward(CONFIG, base, ids, mask, types, dummy_labels, torch.zeros(B, dtype=torch.int64))
    return h, pooled


def make(head, seed, B, S, lengths, cases, pooler, choices=None):
    """cases: name -> (head weight shapes, function(h, pooled, head params) -> (dict of outputs, loss), labels)."""
    gen = torch.Generator().manual_seed(seed)
    shapes = parameter_shapes(CONFIG)
    base_keys = [k for k in shapes if k.startswith("albert.") and (pooler or not k.startswith("albert.pooler"))]
    all_params = random_params(gen, shapes)  # predictions/sop are fed to the reference only, never saved
    rows = B * (choices or 1)
    ids, mask, types = batch(gen, rows, S, lengths)
    tensors = {k: all_params[k] for k in base_keys}
    shape = (B, choices, S) if choices else (B, S)
    tensors.update({"input_ids": ids.int().reshape(shape), "attention_mask": mask.int().reshape(shape),
                    "token_type_ids": types.int().reshape(shape)})
    for name, (head_shapes, run, labels) in cases.items():
        head_params = random_params(gen, head_shapes)
        p64 = {k: v.double().requires_grad_(True) for k, v in all_params.items()}
        h64 = {k: v.double().requires_grad_(True) for k, v in head_params.items()}
        h, pooled = encoder(p64, ids, mask, types)
        outputs, loss = run(h, pooled, h64, labels)
        loss.backward()
        for k, v in head_params.items():
            tensors[name + "/" + k] = v
        for k, v in labels.items():
            tensors[name + "/" + k] = v
        for k, v in outputs.items():
            tensors[name + "/" + k] = v.detach().float().contiguous()
        tensors[name + "/loss"] = loss.detach().float().reshape(1)
        for k in base_keys:
            g = p64[k].grad
            tensors[name + "/grad." + k] = (torch.zeros_like(p64[k]) if g is None else g).float()
        for k, v in h64.items():
            tensors[name + "/grad." + k] = v.grad.float()
        print(head, name, "loss", float(loss))
    path = os.path.join(OUT, "albert_head_" + head + ".safetensors")
    save_safetensors(path, tensors)
    print(head, "bytes", os.path.getsize(path))


def classifier(n):
    return {"classifier.weight": [n, CONFIG["hidden_size"]], "classifier.bias": [n]}


def sequence_classification():
    def regression(h, pooled, p, labels):
        logits = linear(pooled, p, "classifier")
        return {"logits": logits}, torch.nn.functional.mse_loss(logits.squeeze(), labels["labels"].double().squeeze())

    def single(h, pooled, p, labels):
        logits = linear(pooled, p, "classifier")
        return {"logits": logits}, ce(logits, labels["labels"].long(), ignore_index=-100)

    def multi(h, pooled, p, labels):
        logits = linear(pooled, p, "classifier")
        return {"logits": logits}, torch.nn.functional.binary_cross_entropy_with_logits(
            logits, labels["labels"].double())

    B = 4
    make("seqcls", 11, B, 10, [10, 7, 4, 9], {
        "regression": (classifier(1), regression, {"labels": torch.tensor([0.5, -1.25, 2.0, 0.0])}),
        "single_label_classification": (classifier(3), single, {"labels": torch.tensor([2, 0, -100, 1],
                                                                                        dtype=torch.int32)}),
        "multi_label_classification": (classifier(3), multi, {"labels": torch.tensor(
            [[1, 0, 1], [0, 0, 0], [1, 1, 1], [0, 1, 0]], dtype=torch.float32)}),
    }, pooler=True)


def question_answering():
    def run(h, pooled, p, labels):
        logits = linear(h, p, "qa_outputs")
        start, end = logits[..., 0], logits[..., 1]
        S = start.shape[1]
        sp = labels["start_positions"].long().clamp(0, S)
        ep = labels["end_positions"].long().clamp(0, S)
        loss = (ce(start, sp, ignore_index=S) + ce(end, ep, ignore_index=S)) / 2
        return {"start_logits": start, "end_logits": end}, loss

    # row 2: start -3 clamps to 0 (a real target), end 50 clamps to S (ignored)
    make("qa", 12, 3, 11, [11, 8, 6], {"span": (
        {"qa_outputs.weight": [2, CONFIG["hidden_size"]], "qa_outputs.bias": [2]}, run,
        {"start_positions": torch.tensor([3, 5, -3], dtype=torch.int32),
         "end_positions": torch.tensor([6, 7, 50], dtype=torch.int32)})}, pooler=False)


def multiple_choice():
    B, C = 2, 3

    def run(h, pooled, p, labels):
        logits = linear(pooled, p, "classifier").view(-1, C)
        return {"logits": logits}, ce(logits, labels["labels"].long())

    make("mc", 13, B, 9, [9, 6, 5, 8, 9, 3], {"choice": (classifier(1), run,
                                                          {"labels": torch.tensor([2, 0], dtype=torch.int32)})},
         pooler=True, choices=C)


def token_classification():
    gen = torch.Generator().manual_seed(99)
    B, S, N = 3, 10, 5
    labels = torch.randint(0, N, (B, S), generator=gen).int()
    for b, n in enumerate([10, 7, 4]):
        labels[b, n:] = -100  # padding
    labels[0, 3] = -100  # a continuation piece

    def run(h, pooled, p, lab):
        logits = linear(h, p, "classifier")
        return {"logits": logits}, ce(logits.reshape(-1, N), lab["labels"].long().reshape(-1), ignore_index=-100)

    make("token", 14, B, S, [10, 7, 4], {"tags": (classifier(N), run, {"labels": labels})}, pooler=False)


if __name__ == "__main__":
    torch.set_grad_enabled(True)
    with open(os.path.join(OUT, "albert_heads.config.json"), "w") as f:
        json.dump(CONFIG, f, indent=2)
    sequence_classification()
    question_answering()
    multiple_choice()
    token_classification()
