#!/usr/bin/env python3
"""Small generated fine-tuning tasks from the State of the Union addresses (public domain), to show that the span,
multiple-choice and token-classification heads learn. Nothing generated is committed; run it into a scratch folder:

    python3 benchmarks/finetune/make_sotu_tasks.py ../shared/data/sotu /tmp/sotu-tasks

Writes, each task with its own fixed seed, addresses before 1990 for training and from 1990 on for dev:
- squad/train-v1.1.json, squad/dev-v1.1.json: a passage of ~30 words into which a year ("in 1847") and a
  person ("said Mary Smith") are put at random places; the question asks for one of them ("in what year ...?",
  "who said it?"), and the answer is that span.
- squad/train-v2.0.json, squad/dev-v2.0.json: the same, but the person is put in only half of the passages, so
  half of the "who" questions have no answer (is_impossible).
- race/train/middle/*.json, race/dev/middle/*.json: the same kind of passage; the question has a blank ("the year
  named is _ .", "the person quoted is _ .") and the four options are the passage's year, its person and two
  words of the address, so the question decides which option is right (a question-blind model gets at most 50%).
- ner/train.txt, ner/dev.txt (CoNLL): sentences with names and places from word lists put into frames like
  "said NAME" and "in PLACE"; some words are both (Washington, Lincoln, Jackson, Madison, Houston, Austin), so the
  frame decides the tag. The dev set draws half of its names and places from lists the training set never uses.
"""
import json
import random
import re
import sys
from pathlib import Path

WORD = re.compile(r"[A-Za-z][A-Za-z'-]*|\d+|[.,;:!?]")
FIRST = ["John", "Mary", "James", "Anna", "Robert", "Helen", "George", "Ruth", "Thomas", "Alice", "Henry", "Clara",
         "Samuel", "Edith", "Walter", "Grace", "Arthur", "Rose", "Frank", "Lucy"]
LAST = ["Smith", "Brown", "Miller", "Davis", "Wilson", "Moore", "Taylor", "Clark", "Hall", "Young", "King", "Wright",
        "Scott", "Green", "Baker", "Adams", "Nelson", "Carter", "Mitchell", "Turner"]
PLACES = ["Ohio", "Texas", "Boston", "Chicago", "Denver", "Oregon", "Maine", "Kansas", "Detroit", "Atlanta",
          "Dallas", "Seattle", "Vermont", "Georgia", "Nevada", "Memphis", "Omaha", "Utah", "Toledo", "Tulsa"]
BOTH = ["Washington", "Lincoln", "Jackson", "Madison", "Houston", "Austin"]
DEV_FIRST = ["Oscar", "Irene", "Victor", "Nora", "Felix", "Vera"]
DEV_LAST = ["Porter", "Reed", "Lane", "Fox", "Hart", "Stone"]
DEV_PLACES = ["Phoenix", "Tampa", "Albany", "Fresno", "Reno", "Boise"]
PERSON_FRAMES = ["said {}", "{} said", "according to {}", "{} announced", "by {}", "{} wrote"]
PLACE_FRAMES = ["in {}", "from {}", "to {}", "near {}", "the people of {}"]


def addresses(folder):
    for path in sorted(Path(folder).glob("*.txt")):
        year = int(path.name[:4])
        text = " ".join(path.read_text(encoding="utf-8", errors="replace").split())
        yield year, text


def sentences(text):
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if 8 <= len(s.split()) <= 30]


YEAR_QUESTIONS = ["in what year did it happen?", "when was that?", "what year is named?"]
WHO_QUESTIONS = ["who said it?", "who is quoted?", "which person spoke?"]


def squad(split, rng, count, firsts, lasts, version_two=False):
    data = []
    for n, (year, words) in enumerate(split):
        if len(data) >= count:
            break
        start = rng.randrange(0, max(1, len(words) - 40))
        passage = [w for w in words[start:start + 26] if not re.search(r"\d", w)]
        when = str(rng.randrange(1700, 2030))
        person = rng.choice(firsts) + " " + rng.choice(lasts)
        has_person = not version_two or rng.random() < 0.5
        inserts = [("in " + when, when)] + ([("said " + person, person)] if has_person else [])
        rng.shuffle(inserts)
        for phrase, _ in inserts:
            at = rng.randrange(0, len(passage) + 1)
            passage = passage[:at] + [phrase] + passage[at:]
        context = " ".join(passage)
        asks_year = rng.random() < 0.5
        question = rng.choice(YEAR_QUESTIONS if asks_year else WHO_QUESTIONS)
        qa = {"id": f"{year}-{n}", "question": question}
        if asks_year or has_person:
            answer = when if asks_year else person
            phrase = ("in " if asks_year else "said ") + answer
            offset = context.index(phrase) + len(phrase) - len(answer)
            assert context[offset:offset + len(answer)] == answer
            qa["answers"] = [{"text": answer, "answer_start": offset}]
            if version_two:
                qa["is_impossible"] = False
        else:
            qa["answers"] = []
            qa["is_impossible"] = True
        data.append({"title": str(year), "paragraphs": [{"context": context, "qas": [qa]}]})
    return {"version": "v2.0" if version_two else "1.1", "data": data}


def race(split, rng, count, out, firsts, lasts):
    """RACE files: the squad-style passage (a year and a person put in); the question has a blank to fill."""
    out.mkdir(parents=True, exist_ok=True)
    made = 0
    for year, words in split:
        if made >= count:
            break
        start = rng.randrange(0, max(1, len(words) - 40))
        passage = [w for w in words[start:start + 26] if not re.search(r"\d", w)]
        when = str(rng.randrange(1700, 2030))
        person = rng.choice(firsts) + " " + rng.choice(lasts)
        inserts = [("in " + when, when), ("said " + person, person)]
        rng.shuffle(inserts)
        for phrase, _ in inserts:
            at = rng.randrange(0, len(passage) + 1)
            passage = passage[:at] + [phrase] + passage[at:]
        asks_year = rng.random() < 0.5
        question = "the year named is _ ." if asks_year else "the person quoted is _ ."
        fillers = rng.sample([w for w in words if w.isalpha() and len(w) > 3], 2)
        options = [when, person] + fillers
        rng.shuffle(options)
        record = {"id": f"{year}-{made}.txt", "article": " ".join(passage), "questions": [question],
                  "options": [options], "answers": ["ABCD"[options.index(when if asks_year else person)]]}
        (out / f"{year}-{made}.json").write_text(json.dumps(record), encoding="utf-8")
        made += 1
    return made


def ner(split_sentences, rng, count, firsts, lasts, places, path):
    lines = []
    made = 0
    for year, sents in split_sentences:
        for s in sents:
            if made >= count:
                break
            words = [w for w in WORD.findall(s)][:20]
            spans = []
            for _ in range(2):
                if rng.random() < 0.5:
                    name = [rng.choice(firsts), rng.choice(lasts)] if rng.random() < 0.6 else [rng.choice(BOTH)]
                    frame, tag = rng.choice(PERSON_FRAMES), "PER"
                else:
                    name = [rng.choice(places)] if rng.random() < 0.7 else [rng.choice(BOTH)]
                    frame, tag = rng.choice(PLACE_FRAMES), "LOC"
                before, after = frame.split("{}")
                spans.append((before.split(), name, after.split(), tag))
            for before, name, after, tag in spans:
                at = rng.randrange(0, len(words) + 1)
                tagged = [(w, "O") for w in before] + [(w, ("B-" if k == 0 else "I-") + tag)
                                                       for k, w in enumerate(name)] + [(w, "O") for w in after]
                words = words[:at] + [t for t in tagged] + words[at:]
            for item in words:
                w, t = item if isinstance(item, tuple) else (item, "O")
                lines.append(f"{w} {t}")
            lines.append("")
            made += 1
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return made


def main():
    source, out = Path(sys.argv[1]), Path(sys.argv[2])
    docs = list(addresses(source))
    train_docs = [(y, t) for y, t in docs if y < 1990]
    dev_docs = [(y, t) for y, t in docs if y >= 1990]
    (out / "squad").mkdir(parents=True, exist_ok=True)
    chunks = lambda ds, k: [(y, t.split()) for y, t in ds for _ in range(k)]
    rng = random.Random(12345)
    (out / "squad/train-v1.1.json").write_text(json.dumps(squad(chunks(train_docs, 20), rng, 3000, FIRST, LAST)))
    (out / "squad/dev-v1.1.json").write_text(json.dumps(squad(chunks(dev_docs, 20), rng, 300,
                                                               FIRST[:10] + DEV_FIRST, LAST[:10] + DEV_LAST)))
    rng = random.Random(45678)
    (out / "squad/train-v2.0.json").write_text(json.dumps(squad(chunks(train_docs, 20), rng, 3000, FIRST, LAST,
                                                                 True)))
    (out / "squad/dev-v2.0.json").write_text(json.dumps(squad(chunks(dev_docs, 20), rng, 300,
                                                               FIRST[:10] + DEV_FIRST, LAST[:10] + DEV_LAST, True)))
    train_s = [(y, sentences(t)) for y, t in train_docs]
    dev_s = [(y, sentences(t)) for y, t in dev_docs]
    rng = random.Random(23456)
    print("race", race(chunks(train_docs, 20), rng, 3000, out / "race/train/middle", FIRST, LAST),
          race(chunks(dev_docs, 20), rng, 300, out / "race/dev/middle", FIRST[:10] + DEV_FIRST, LAST[:10] + DEV_LAST))
    rng = random.Random(34567)
    (out / "ner").mkdir(parents=True, exist_ok=True)
    print("ner", ner(train_s, rng, 3000, FIRST, LAST, PLACES, out / "ner/train.txt"),
          ner(dev_s, rng, 300, FIRST[:10] + DEV_FIRST, LAST[:10] + DEV_LAST, PLACES[:10] + DEV_PLACES,
              out / "ner/dev.txt"))


if __name__ == "__main__":
    main()
