package io.ramify.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AotCacheTest {
    @TempDir
    Path dir;

    @Test
    void aRoleTrainsOnceThenMapsItsCache() throws Exception {
        Path jar = Files.writeString(dir.resolve("a.jar"), "classes");
        String cp = jar.toString();
        Path cache = AotCache.file(dir.resolve("aot"), "wal", cp);
        assertEquals(
                List.of("-XX:AOTCacheOutput=" + cache, AotCache.QUIET),
                AotCache.options(dir.resolve("aot"), "wal", cp, true));
        assertEquals(true, Files.isDirectory(cache.getParent())); // made for the JVM, which does not
        assertEquals(List.of(), AotCache.options(dir.resolve("aot"), "wal", cp, false)); // never two writers
        Files.writeString(cache, "trained");
        assertEquals(
                List.of("-XX:AOTCache=" + cache, AotCache.QUIET),
                AotCache.options(dir.resolve("aot"), "wal", cp, true));
        assertEquals(
                List.of("-XX:AOTCache=" + cache, AotCache.QUIET),
                AotCache.options(dir.resolve("aot"), "wal", cp, false));
    }

    @Test
    void aRebuiltJarNamesANewCache() throws Exception {
        Path jar = Files.writeString(dir.resolve("a.jar"), "classes");
        String before = AotCache.digest(jar.toString());
        assertEquals(before, AotCache.digest(jar.toString()));
        Files.setLastModifiedTime(
                jar, FileTime.fromMillis(Files.getLastModifiedTime(jar).toMillis() + 1000));
        assertNotEquals(before, AotCache.digest(jar.toString()));
        assertNotEquals(AotCache.file(dir, "wal", jar.toString()), AotCache.file(dir, "page-store", jar.toString()));
    }
}
