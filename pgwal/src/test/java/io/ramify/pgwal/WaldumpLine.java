package io.ramify.pgwal;

import io.ramify.common.Lsn;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** One line of pg_waldump (PostgreSQL 15) output, parsed. */
record WaldumpLine(String rmgr, int rmid, long recLen, long totLen, long xid, long lsn, long prev, String desc) {
    private static final Pattern LINE = Pattern.compile(
            "^rmgr: (\\S+)\\s+len \\(rec/tot\\):\\s*(\\d+)/\\s*(\\d+), tx:\\s*(\\d+), lsn: ([0-9A-F]+/[0-9A-F]+), prev ([0-9A-F]+/[0-9A-F]+), desc: (.*)$");
    private static final Pattern REDO = Pattern.compile("^CHECKPOINT_(?:SHUTDOWN|ONLINE) redo ([0-9A-F]+/[0-9A-F]+);");
    private static final Pattern XACT_TIME = Pattern.compile(
            "^(COMMIT|ABORT|COMMIT_PREPARED|ABORT_PREPARED) (?:\\d+: )?(\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{6}) UTC");
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS");
    /** Seconds from the Unix epoch to the Postgres epoch, 2000-01-01 00:00 UTC. */
    private static final long PG_EPOCH_SECONDS = 946_684_800L;

    /** rmgrlist.h order, which is the rmgr id. */
    private static final List<String> RMGRS = List.of(
            "XLOG",
            "Transaction",
            "Storage",
            "CLOG",
            "Database",
            "Tablespace",
            "MultiXact",
            "RelMap",
            "Standby",
            "Heap2",
            "Heap",
            "Btree",
            "Hash",
            "Gin",
            "Gist",
            "Sequence",
            "SPGist",
            "BRIN",
            "CommitTs",
            "ReplicationOrigin",
            "Generic",
            "LogicalMessage");

    private static final Map<String, Integer> RMIDS = indexOf(RMGRS);

    static List<WaldumpLine> parseAll(String output) {
        List<WaldumpLine> lines = new ArrayList<>();
        for (String s : output.split("\n")) {
            if (s.isBlank()) {
                continue;
            }
            Matcher m = LINE.matcher(s);
            if (!m.matches()) {
                throw new IllegalStateException("unexpected pg_waldump line: " + s);
            }
            Integer rmid = RMIDS.get(m.group(1));
            if (rmid == null) {
                throw new IllegalStateException("unknown rmgr in: " + s);
            }
            lines.add(new WaldumpLine(
                    m.group(1),
                    rmid,
                    Long.parseLong(m.group(2)),
                    Long.parseLong(m.group(3)),
                    Long.parseLong(m.group(4)),
                    Lsn.parse(m.group(5)).value(),
                    Lsn.parse(m.group(6)).value(),
                    m.group(7)));
        }
        return lines;
    }

    /** The redo LSN printed for a checkpoint record, else -1. */
    long checkpointRedo() {
        Matcher m = REDO.matcher(desc);
        return m.find() ? Lsn.parse(m.group(1)).value() : -1;
    }

    /** The xact_time of a commit or abort record in Postgres-epoch microseconds, else Long.MIN_VALUE. */
    long xactTimeMicros() {
        if (rmid != WalDecoder.RM_XACT) {
            return Long.MIN_VALUE;
        }
        Matcher m = XACT_TIME.matcher(desc);
        if (!m.find()) {
            return Long.MIN_VALUE;
        }
        LocalDateTime t = LocalDateTime.parse(m.group(2), TIME);
        long seconds = t.toEpochSecond(ZoneOffset.UTC) - PG_EPOCH_SECONDS;
        return seconds * 1_000_000L + t.getNano() / 1000;
    }

    boolean isCommit() {
        return rmid == WalDecoder.RM_XACT && (desc.startsWith("COMMIT ") || desc.startsWith("COMMIT_PREPARED "));
    }

    boolean isAbort() {
        return rmid == WalDecoder.RM_XACT && (desc.startsWith("ABORT ") || desc.startsWith("ABORT_PREPARED "));
    }

    boolean isSwitch() {
        return rmid == WalDecoder.RM_XLOG && desc.startsWith("SWITCH");
    }

    private static Map<String, Integer> indexOf(List<String> names) {
        Map<String, Integer> m = new java.util.HashMap<>();
        for (int i = 0; i < names.size(); i++) {
            m.put(names.get(i), i);
        }
        return Map.copyOf(m);
    }
}
