package io.albert4j.cli;

import io.albert4j.albert.PositionEmbeddingInit;
import picocli.CommandLine.ITypeConverter;

/** {@code --position-init normal|random-walk}. */
final class PositionInitConverter implements ITypeConverter<PositionEmbeddingInit> {
    @Override
    public PositionEmbeddingInit convert(String value) {
        return PositionEmbeddingInit.parse(value);
    }
}
