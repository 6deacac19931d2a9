package io.ramify.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class LsnTest {
    @Test
    void printsAndParsesLikePostgres() {
        Lsn lsn = Lsn.parse("16/B374D848");
        assertEquals(0x16B374D848L, lsn.value());
        assertEquals("16/B374D848", lsn.toString());
        assertEquals("0/0", Lsn.ZERO.toString());
        assertEquals(Lsn.of(0x1000028), Lsn.parse("0/1000028"));
    }

    @Test
    void rejectsMalformedText() {
        for (String bad : new String[] {"", "16", "/1", "1/", "x/1", "1/100000000", "-1/0"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Lsn.parse(bad));
            assertEquals(true, e.getMessage().contains("'" + bad + "'"), e.getMessage());
        }
    }

    @Test
    void shardMapIsStablePerStripe() {
        int s = ShardMap.shardOf("base/5/1259", 0, 2);
        assertEquals(s, ShardMap.shardOf("base/5/1259", 2047, 2));
        assertEquals(0, ShardMap.shardOf("base/5/1259", 5, 1));
    }
}
