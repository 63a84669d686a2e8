package io.albert4j.data;

import io.albert4j.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A closed-vocabulary stand-in for the SentencePiece tokenizer: words are lower-cased letters, cut into a word-start
 * piece "▁" + up to two letters and continuation pieces of up to two letters ("pretrain" is "▁pr" "et" "ra" "in");
 * '.', ',', '?', '!' become the piece "."; other characters are dropped. Ids: &lt;pad&gt; 0, &lt;unk&gt; 1,
 * [CLS] 2, [SEP] 3, [MASK] 4 as in ALBERT.
 */
class FakeTokenizer implements Tokenizer {
    private final List<String> pieces = new ArrayList<>();
    private final Map<String, Integer> ids = new HashMap<>();

    FakeTokenizer() {
        for (String special : new String[] {"<pad>", "<unk>", "[CLS]", "[SEP]", "[MASK]", "."}) {
            add(special);
        }
        for (char a = 'a'; a <= 'z'; a++) {
            add("▁" + a);
            add(String.valueOf(a));
            for (char b = 'a'; b <= 'z'; b++) {
                add("▁" + a + b);
                add("" + a + b);
            }
        }
    }

    private void add(String piece) {
        ids.put(piece, pieces.size());
        pieces.add(piece);
    }

    @Override
    public int[] encode(String text) {
        return java.util.Arrays.stream(encodeAsPieces(text)).mapToInt(this::pieceToId).toArray();
    }

    @Override
    public String[] encodeAsPieces(String text) {
        List<String> out = new ArrayList<>();
        for (String word : text.toLowerCase(Locale.ROOT).trim().split("\\s+")) {
            StringBuilder letters = new StringBuilder();
            boolean stop = false;
            for (char c : word.toCharArray()) {
                if (c >= 'a' && c <= 'z') {
                    letters.append(c);
                } else if (c == '.' || c == ',' || c == '?' || c == '!') {
                    stop = true;
                }
            }
            for (int i = 0; i < letters.length(); i += 2) {
                String chunk = letters.substring(i, Math.min(letters.length(), i + 2));
                out.add(i == 0 ? "▁" + chunk : chunk);
            }
            if (stop) {
                out.add(".");
            }
        }
        return out.toArray(String[]::new);
    }

    @Override
    public String decode(int[] tokenIds) {
        StringBuilder text = new StringBuilder();
        for (int id : tokenIds) {
            if (!isControl(id)) {
                text.append(pieces.get(id).replace('▁', ' '));
            }
        }
        return text.toString().trim();
    }

    @Override
    public int vocabSize() {
        return pieces.size();
    }

    @Override
    public String idToPiece(int id) {
        return pieces.get(id);
    }

    @Override
    public int pieceToId(String piece) {
        return ids.getOrDefault(piece, 1);
    }

    @Override
    public int padId() {
        return 0;
    }

    @Override
    public int unkId() {
        return 1;
    }

    @Override
    public int clsId() {
        return 2;
    }

    @Override
    public int sepId() {
        return 3;
    }

    @Override
    public int maskId() {
        return 4;
    }

    @Override
    public boolean isControl(int id) {
        return id <= 4;
    }
}
