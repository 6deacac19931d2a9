package io.ramify.wal.client;

import com.google.protobuf.ByteString;
import io.ramify.wal.proto.BlockWrite;
import io.ramify.wal.proto.FileEvent;
import io.ramify.wal.proto.Op;
import io.ramify.wal.proto.WalWrite;

/** Builders for ops, so callers never assemble protobufs by hand. W is the compute's WAL end. */
public final class Ops {
    private Ops() {}

    public static Op wal(long lsn, byte[] data, long w) {
        return Op.newBuilder()
                .setWalEnd(w)
                .setWal(WalWrite.newBuilder().setLsn(lsn).setData(ByteString.copyFrom(data)))
                .build();
    }

    public static Op block(String file, long block, byte[] image, long w) {
        return Op.newBuilder()
                .setWalEnd(w)
                .setBlock(BlockWrite.newBuilder().setFile(file).setBlock(block).setImage(ByteString.copyFrom(image)))
                .build();
    }

    public static Op file(FileEvent.Kind kind, String path, long w) {
        return Op.newBuilder()
                .setWalEnd(w)
                .setFile(FileEvent.newBuilder().setKind(kind).setPath(path))
                .build();
    }

    public static Op truncate(String path, long size, long w) {
        return Op.newBuilder()
                .setWalEnd(w)
                .setFile(FileEvent.newBuilder()
                        .setKind(FileEvent.Kind.TRUNCATE)
                        .setPath(path)
                        .setSize(size))
                .build();
    }

    public static Op extend(String path, long size, long w) {
        return Op.newBuilder()
                .setWalEnd(w)
                .setFile(FileEvent.newBuilder()
                        .setKind(FileEvent.Kind.EXTEND)
                        .setPath(path)
                        .setSize(size))
                .build();
    }

    public static Op rename(String from, String to, long w) {
        return Op.newBuilder()
                .setWalEnd(w)
                .setFile(FileEvent.newBuilder()
                        .setKind(FileEvent.Kind.RENAME)
                        .setPath(from)
                        .setTarget(to))
                .build();
    }

    /** Same op with W raised to at least {@code floor} (rule 4: W never goes back). */
    public static Op clampW(Op op, long floor) {
        return op.getWalEnd() >= floor ? op : op.toBuilder().setWalEnd(floor).build();
    }
}
