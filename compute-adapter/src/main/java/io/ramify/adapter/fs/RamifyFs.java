package io.ramify.adapter.fs;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Set;
import org.cryptomator.jfuse.api.DirFiller;
import org.cryptomator.jfuse.api.Errno;
import org.cryptomator.jfuse.api.FileInfo;
import org.cryptomator.jfuse.api.FuseConfig;
import org.cryptomator.jfuse.api.FuseConnInfo;
import org.cryptomator.jfuse.api.FuseOperations;
import org.cryptomator.jfuse.api.Stat;
import org.cryptomator.jfuse.api.Statvfs;
import org.cryptomator.jfuse.api.TimeSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The FUSE operations of a compute's mount, a thin shell over {@link DataDir}: FUSE paths are
 * mapped to data-directory paths ({@code /data/base/1/2} → {@code base/1/2}; the mount root holds
 * only {@code data}), errors to errnos. Every unexpected failure is logged and returned as EIO.
 */
public final class RamifyFs implements FuseOperations {
    private static final Logger LOG = LoggerFactory.getLogger(RamifyFs.class);
    static final String DATA = "data";
    /** What statfs reports as free: Postgres only needs it to be plentiful. */
    static final long STATFS_BLOCKS = 1L << 28;

    private final DataDir dir;
    private final Errno errno;
    private final FsMetrics metrics;

    public RamifyFs(DataDir dir, Errno errno, FsMetrics metrics) {
        this.dir = dir;
        this.errno = errno;
        this.metrics = metrics;
    }

    @Override
    public Errno errno() {
        return errno;
    }

    @Override
    public Set<Operation> supportedOperations() {
        return EnumSet.of(
                Operation.GET_ATTR,
                Operation.READ_DIR,
                Operation.OPEN_DIR,
                Operation.RELEASE_DIR,
                Operation.MKDIR,
                Operation.RMDIR,
                Operation.CREATE,
                Operation.OPEN,
                Operation.RELEASE,
                Operation.READ,
                Operation.WRITE,
                Operation.UNLINK,
                Operation.RENAME,
                Operation.TRUNCATE,
                Operation.FSYNC,
                Operation.FSYNCDIR,
                Operation.FLUSH,
                Operation.STATFS,
                Operation.UTIMENS,
                Operation.CHMOD,
                Operation.CHOWN,
                Operation.ACCESS,
                Operation.INIT,
                Operation.DESTROY);
    }

    /** Data-directory path of a FUSE path, or null for the mount root. */
    static String rel(String fusePath) {
        if (fusePath.equals("/")) {
            return null;
        }
        String p = fusePath.substring(1);
        if (p.equals(DATA)) {
            return "";
        }
        if (p.startsWith(DATA + "/")) {
            return p.substring(DATA.length() + 1);
        }
        return "\0outside"; // never exists
    }

    private interface Call {
        int run() throws FsError;
    }

    private int call(String op, String path, Call c) {
        long start = System.nanoTime();
        metrics.started();
        try {
            return c.run();
        } catch (FsError e) {
            if (e.errno == FsError.Errno.EIO) {
                LOG.error("{} {}: {}", op, path, e.getMessage(), e.getCause());
            } else if (e.errno == FsError.Errno.EXDEV) { // what the adapter cannot store: Postgres sees ENOTSUP
                LOG.warn("{} {} refused with ENOTSUP: {}", op, path, e.getMessage());
            }
            return -code(e.errno);
        } catch (RuntimeException e) {
            LOG.error("{} {} failed unexpectedly", op, path, e);
            return -errno.eio();
        } finally {
            metrics.finished(op, System.nanoTime() - start);
        }
    }

    private int code(FsError.Errno e) {
        return switch (e) {
            case ENOENT -> errno.enoent();
            case EEXIST -> errno.eexist();
            case ENOTDIR -> errno.enotdir();
            case EISDIR -> errno.eisdir();
            case ENOTEMPTY -> errno.enotempty();
            case EINVAL -> errno.einval();
            case EXDEV -> errno.enotsup();
            case EIO -> errno.eio();
        };
    }

    @Override
    public void init(FuseConnInfo conn, FuseConfig config) {
        conn.setWant(conn.want() | (conn.capable() & FuseConnInfo.FUSE_CAP_BIG_WRITES));
    }

    @Override
    public int getattr(String path, Stat stat, FileInfo fi) {
        return call("getattr", path, () -> {
            String p = rel(path);
            DataDir.Attr a = p == null ? new DataDir.Attr(true, 0, System.currentTimeMillis()) : dir.stat(p);
            if (a == null) {
                return -errno.enoent();
            }
            stat.setMode(a.directory() ? Stat.S_IFDIR | 0700 : Stat.S_IFREG | 0600);
            stat.setNLink((short) (a.directory() ? 2 : 1));
            stat.setSize(a.size());
            Instant t = Instant.ofEpochMilli(a.mtimeMillis());
            stat.mTime().set(t);
            stat.cTime().set(t);
            stat.aTime().set(t);
            return 0;
        });
    }

    @Override
    public int opendir(String path, FileInfo fi) {
        return call("opendir", path, () -> rel(path) == null || dir.stat(rel(path)) != null ? 0 : -errno.enoent());
    }

    @Override
    public int readdir(String path, DirFiller filler, long offset, FileInfo fi, int flags) {
        return call("readdir", path, () -> {
            String p = rel(path);
            try {
                filler.fill(".");
                filler.fill("..");
                for (String name : p == null ? java.util.List.of(DATA) : dir.list(p)) {
                    filler.fill(name);
                }
            } catch (java.io.IOException e) {
                throw new FsError(FsError.Errno.EIO, "readdir filler failed", e);
            }
            return 0;
        });
    }

    @Override
    public int releasedir(String path, FileInfo fi) {
        return 0;
    }

    @Override
    public int mkdir(String path, int mode) {
        return call("mkdir", path, () -> {
            dir.mkdir(writable(path));
            return 0;
        });
    }

    @Override
    public int rmdir(String path) {
        return call("rmdir", path, () -> {
            dir.rmdir(writable(path));
            return 0;
        });
    }

    @Override
    public int create(String path, int mode, FileInfo fi) {
        return call("create", path, () -> {
            dir.create(writable(path));
            return 0;
        });
    }

    @Override
    public int open(String path, FileInfo fi) {
        return call("open", path, () -> {
            String p = writable(path);
            if (dir.stat(p) == null) {
                return -errno.enoent();
            }
            if (fi.getOpenFlags().contains(java.nio.file.StandardOpenOption.TRUNCATE_EXISTING)) {
                dir.truncate(p, 0);
            }
            return 0;
        });
    }

    @Override
    public int release(String path, FileInfo fi) {
        return 0;
    }

    @Override
    public int flush(String path, FileInfo fi) {
        return 0; // close() is not a durability point; fsync is
    }

    @Override
    public int read(String path, ByteBuffer buf, long size, long offset, FileInfo fi) {
        return call("read", path, () -> {
            byte[] b = new byte[(int) size];
            int n = dir.read(writable(path), b, (int) size, offset);
            buf.put(b, 0, n);
            return n;
        });
    }

    @Override
    public int write(String path, ByteBuffer buf, long size, long offset, FileInfo fi) {
        return call("write", path, () -> {
            byte[] b = new byte[(int) size];
            buf.get(b);
            dir.write(writable(path), b, (int) size, offset);
            return (int) size;
        });
    }

    @Override
    public int unlink(String path) {
        return call("unlink", path, () -> {
            dir.unlink(writable(path));
            return 0;
        });
    }

    @Override
    public int rename(String from, String to, int flags) {
        return call("rename", from, () -> {
            dir.rename(writable(from), writable(to));
            return 0;
        });
    }

    @Override
    public int truncate(String path, long size, FileInfo fi) {
        return call("truncate", path, () -> {
            dir.truncate(writable(path), size);
            return 0;
        });
    }

    @Override
    public int fsync(String path, int datasync, FileInfo fi) {
        return call("fsync", path, () -> {
            dir.sync();
            return 0;
        });
    }

    @Override
    public int fsyncdir(String path, int datasync, FileInfo fi) {
        return call("fsyncdir", path, () -> {
            dir.sync();
            return 0;
        });
    }

    @Override
    public int statfs(String path, Statvfs s) {
        s.setBsize(DataDir.BLOCK);
        s.setFrsize(DataDir.BLOCK);
        s.setBlocks(STATFS_BLOCKS);
        s.setBfree(STATFS_BLOCKS);
        s.setBavail(STATFS_BLOCKS);
        s.setNameMax(255);
        return 0;
    }

    @Override
    public int utimens(String path, TimeSpec atime, TimeSpec mtime, FileInfo fi) {
        return 0;
    }

    @Override
    public int chmod(String path, int mode, FileInfo fi) {
        return 0; // modes are fixed: 0700 directories, 0600 files, as Postgres wants them
    }

    @Override
    public int chown(String path, int uid, int gid, FileInfo fi) {
        return 0; // ownership comes from the mount options
    }

    @Override
    public int access(String path, int mask) {
        return 0;
    }

    /** The data-directory path of a FUSE path that may be changed; the mount root may not. */
    private static String writable(String fusePath) throws FsError {
        String p = rel(fusePath);
        if (p == null || p.isEmpty() && !fusePath.equals("/" + DATA)) {
            throw new FsError(FsError.Errno.EINVAL, "the mount root cannot be changed");
        }
        return p;
    }
}
