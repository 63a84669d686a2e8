package io.albert4j.backend.cuda;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;

/** Reads the defined global/weak function names of an ELF64 little-endian shared object's .dynsym (no nm needed). */
final class ElfDynamicSymbols {
    private static final int SHT_DYNSYM = 11;
    private static final int STT_FUNC = 2;

    private ElfDynamicSymbols() {
    }

    static Set<String> definedFunctions(Path library) throws IOException {
        ByteBuffer elf = ByteBuffer.wrap(Files.readAllBytes(library)).order(ByteOrder.LITTLE_ENDIAN);
        if (elf.getInt(0) != 0x464c457f || elf.get(4) != 2 || elf.get(5) != 1) {
            throw new IOException(library + " is not an ELF64 little-endian file");
        }
        long sectionHeaders = elf.getLong(0x28);
        int entrySize = Short.toUnsignedInt(elf.getShort(0x3a));
        int count = Short.toUnsignedInt(elf.getShort(0x3c));
        Set<String> names = new TreeSet<>();
        for (int s = 0; s < count; s++) {
            int header = (int) (sectionHeaders + (long) s * entrySize);
            if (elf.getInt(header + 4) != SHT_DYNSYM) {
                continue;
            }
            int offset = (int) elf.getLong(header + 0x18);
            int size = (int) elf.getLong(header + 0x20);
            int link = elf.getInt(header + 0x28);
            int symbolSize = (int) elf.getLong(header + 0x38);
            int strings = (int) elf.getLong((int) (sectionHeaders + (long) link * entrySize) + 0x18);
            for (int at = offset; at + symbolSize <= offset + size; at += symbolSize) {
                int nameOffset = elf.getInt(at);
                int info = Byte.toUnsignedInt(elf.get(at + 4));
                int sectionIndex = Short.toUnsignedInt(elf.getShort(at + 6));
                if ((info & 0xf) != STT_FUNC || sectionIndex == 0) {
                    continue;  // not a function, or undefined (imported)
                }
                int end = strings + nameOffset;
                while (elf.get(end) != 0) {
                    end++;
                }
                names.add(new String(elf.array(), strings + nameOffset, end - strings - nameOffset,
                        StandardCharsets.US_ASCII));
            }
        }
        return names;
    }
}
