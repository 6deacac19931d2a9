package io.ramify.pagestore.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.ramify.common.ShardMap;
import io.ramify.common.TimelineId;
import io.ramify.pagestore.proto.Block;
import io.ramify.pagestore.proto.BlockRef;
import io.ramify.pagestore.proto.FileStat;
import io.ramify.pagestore.proto.GetBlocksReply;
import io.ramify.pagestore.proto.GetBlocksRequest;
import io.ramify.pagestore.proto.PageStoreGrpc;
import io.ramify.pagestore.proto.StatReply;
import io.ramify.pagestore.proto.StatRequest;
import io.ramify.pagestore.proto.TimelineUsage;
import io.ramify.pagestore.proto.UsageReply;
import io.ramify.pagestore.proto.UsageRequest;
import io.ramify.pagestore.proto.View;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link PageStoreClient} against fake page-store shards: real gRPC servers on loopback ports
 * whose {@code GetBlocks} records what it was asked and answers from a per-test function. Tests
 * that blocks reach their owner shard ({@link ShardMap}) in calls of bounded size, that answers come
 * back in request order, and that rename redirects are followed to the shard owning the source,
 * in the view the redirect names, with the bytes beyond its length zeroed.
 */
class PageStoreClientRoutingTest {
    private static final TimelineId CHILD = TimelineId.random();
    private static final TimelineId PARENT = TimelineId.random();
    private static final TimelineId ROOT = TimelineId.random();
    /** The child at 9 over its parent at 5 over the root at 3. */
    private static final View VIEW = Views.of(Views.level(CHILD, 9), Views.level(PARENT, 5), Views.level(ROOT, 3));

    private static final PageStoreClientConfig CONFIG = new PageStoreClientConfig(
            Duration.ofSeconds(5), 2, Duration.ofMillis(10), Duration.ofMillis(50), Duration.ofSeconds(1), 4, 64 << 20);

    /** What a fake shard answers for one block of a GetBlocks call. */
    interface Answer {
        Block answer(int shard, GetBlocksRequest req, BlockRef ref);
    }

    /** One GetBlocks call as a shard saw it. */
    record Call(int shard, GetBlocksRequest req) {}

    private final List<Server> servers = new ArrayList<>();
    private final List<Call> calls = new CopyOnWriteArrayList<>();
    private PageStoreClient client;

    @AfterEach
    void stop() {
        if (client != null) {
            client.close();
        }
        servers.forEach(Server::shutdownNow);
    }

    private final class FakeShard extends PageStoreGrpc.PageStoreImplBase {
        final int shard;
        final Answer answer;

        FakeShard(int shard, Answer answer) {
            this.shard = shard;
            this.answer = answer;
        }

        @Override
        public void getBlocks(GetBlocksRequest req, StreamObserver<GetBlocksReply> out) {
            calls.add(new Call(shard, req));
            GetBlocksReply.Builder r = GetBlocksReply.newBuilder();
            req.getBlocksList().forEach(ref -> r.addBlocks(answer.answer(shard, req, ref)));
            out.onNext(r.build());
            out.onCompleted();
        }

        @Override
        public void stat(StatRequest req, StreamObserver<StatReply> out) {
            StatReply.Builder r = StatReply.newBuilder();
            req.getFilesList()
                    .forEach(f -> r.addStats(
                            FileStat.newBuilder().setPath(f).setExists(true).setSize(shard)));
            out.onNext(r.build());
            out.onCompleted();
        }

        @Override
        public void usage(UsageRequest req, StreamObserver<UsageReply> out) {
            UsageReply.Builder r = UsageReply.newBuilder().setShard(shard);
            req.getTimelinesList()
                    .forEach(t -> r.addTimelines(TimelineUsage.newBuilder()
                            .setTimeline(t)
                            .setOwnBytes(1000L * (shard + 1))
                            .setVersions(shard + 1)));
            out.onNext(r.build());
            out.onCompleted();
        }
    }

    /** Starts {@code n} fake shards and a client of them. */
    private PageStoreClient start(int n, Answer answer) throws Exception {
        List<String> addresses = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Server s = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                    .addService(new FakeShard(i, answer))
                    .build()
                    .start();
            servers.add(s);
            addresses.add("127.0.0.1:" + s.getPort());
        }
        client = new PageStoreClient(addresses, CONFIG);
        return client;
    }

    /** An image that names the block and the shard that served it, padded to 8192 bytes. */
    private static ByteString image(String file, long block, int shard) {
        byte[] b = new byte[8192];
        byte[] name = (file + "#" + block + "@" + shard).getBytes(StandardCharsets.UTF_8);
        System.arraycopy(name, 0, b, 0, name.length);
        return ByteString.copyFrom(b);
    }

    private static Block present(int shard, BlockRef ref) {
        return Block.newBuilder()
                .setFile(ref.getFile())
                .setBlock(ref.getBlock())
                .setPresent(true)
                .setImage(image(ref.getFile(), ref.getBlock(), shard))
                .build();
    }

    private static BlockRef ref(String file, long block) {
        return BlockRef.newBuilder().setFile(file).setBlock(block).build();
    }

    /** A file name whose block {@code block} has another owner than {@code other}'s, among n shards. */
    private static String fileOwnedElsewhere(String prefix, String other, long block, int n) {
        for (int i = 0; ; i++) {
            String f = prefix + i;
            if (ShardMap.shardOf(f, block, n) != ShardMap.shardOf(other, block, n)) {
                return f;
            }
        }
    }

    /**
     * Every block reaches its owner shard, once, in calls of at most {@code maxBlocksPerCall}
     * blocks that carry the view and the wait, and the answers come back in request order. Negative
     * controls: routing by {@code (ShardMap.shardOf(..) + 1) % n} in {@code ownerOf} made shards
     * receive blocks they do not own, and this failed; splitting by {@code maxBlocksPerCall + 1}
     * made calls of 5 blocks, and this failed.
     */
    @Test
    void blocksGoToTheirOwnerShardInBoundedCallsAndComeBackInRequestOrder() throws Exception {
        int n = 3;
        List<String> misrouted = new CopyOnWriteArrayList<>();
        PageStoreClient c = start(n, (shard, req, ref) -> {
            if (ShardMap.shardOf(ref.getFile(), ref.getBlock(), n) != shard) {
                misrouted.add(ref.getFile() + "#" + ref.getBlock() + " on shard " + shard);
            }
            return present(shard, ref);
        });
        List<BlockRef> refs = new ArrayList<>();
        long[] blocks = {0, 1, 2047, 2048, 2049, 4096, 6143, 6144, 20_000, 1L << 33};
        for (int f = 0; f < 6; f++) {
            for (long b : blocks) {
                refs.add(ref("base/5/" + (16384 + f), b));
            }
        }
        Collections.shuffle(refs, new Random(5));
        refs.add(refs.get(3)); // the same block twice in one read

        List<Block> got = c.getBlocks(VIEW, refs, 77);

        assertEquals(List.of(), misrouted);
        assertEquals(refs.size(), got.size());
        for (int i = 0; i < refs.size(); i++) {
            BlockRef r = refs.get(i);
            assertEquals(r.getFile(), got.get(i).getFile(), "answer " + i);
            assertEquals(r.getBlock(), got.get(i).getBlock(), "answer " + i);
            assertEquals(
                    image(r.getFile(), r.getBlock(), c.ownerOf(r.getFile(), r.getBlock())),
                    got.get(i).getImage());
        }
        Map<String, Integer> asked = new HashMap<>();
        int[] perShard = new int[n];
        for (Call call : calls) {
            assertTrue(
                    call.req().getBlocksCount() >= 1 && call.req().getBlocksCount() <= CONFIG.maxBlocksPerCall(),
                    call.req().getBlocksCount() + " blocks in one call");
            assertEquals(VIEW, call.req().getView());
            assertEquals(77, call.req().getWaitForSeq());
            assertEquals((int) CONFIG.defaultWait().toMillis(), call.req().getWaitMsMax());
            for (BlockRef r : call.req().getBlocksList()) {
                asked.merge(r.getFile() + "#" + r.getBlock(), 1, Integer::sum);
                perShard[call.shard()]++;
            }
        }
        Map<String, Integer> expected = new HashMap<>();
        refs.forEach(r -> expected.merge(r.getFile() + "#" + r.getBlock(), 1, Integer::sum));
        assertEquals(expected, asked, "each requested block asked once (as often as requested)");
        for (int s = 0; s < n; s++) {
            assertTrue(perShard[s] > 0, "shard " + s + " got no block: the refs do not exercise routing");
        }
        // A stripe (2048 blocks of a file) stays on one shard; the map ignores the timeline.
        assertEquals(c.ownerOf("base/5/16384", 2048), c.ownerOf("base/5/16384", 4095));
    }

    /**
     * A block renamed from a file owned by another shard: the owner of the new name answers with a
     * redirect; the client reads the source file on its owner, in the view made of the redirect's
     * level at the redirect's cut and the levels after it, waiting for that cut; it returns the
     * block under the name asked for, zeroed from {@code redirect_zero_from}, in its place among the
     * others. Negative controls: keeping the redirect level's original cut (not {@code
     * setCut(redirectCut)}) failed the view check; not zeroing from {@code zeroFrom} failed the image
     * check; waiting for the caller's seq instead of the redirect's cut failed the wait check;
     * returning the source's name failed the name check.
     */
    @Test
    void aRedirectIsFollowedToTheSourcesOwnerInTheRedirectsView() throws Exception {
        int n = 2;
        String renamed = "base/1/new";
        String source = fileOwnedElsewhere("base/1/old", renamed, 7, n);
        PageStoreClient c = start(n, (shard, req, ref) -> {
            if (ref.getFile().equals(renamed)) {
                return Block.newBuilder()
                        .setFile(renamed)
                        .setBlock(ref.getBlock())
                        .setRedirected(true)
                        .setRedirectFile(source)
                        .setRedirectLevel(1)
                        .setRedirectCut(4)
                        .setRedirectZeroFrom(100)
                        .build();
            }
            if (ref.getFile().equals(source)) {
                byte[] img = new byte[8192];
                java.util.Arrays.fill(img, (byte) 0xAB);
                return Block.newBuilder()
                        .setFile(source)
                        .setBlock(ref.getBlock())
                        .setPresent(true)
                        .setImage(ByteString.copyFrom(img))
                        .setTimeline(ByteString.copyFrom(PARENT.toBytes()))
                        .setSeq(3)
                        .build();
            }
            return present(shard, ref);
        });

        List<Block> got = c.getBlocks(VIEW, List.of(ref("base/1/a", 7), ref(renamed, 7), ref("base/1/b", 7)), 9);

        assertEquals("base/1/a", got.get(0).getFile());
        assertEquals("base/1/b", got.get(2).getFile());
        Block b = got.get(1);
        assertEquals(renamed, b.getFile(), "the block keeps the name it was asked by");
        assertEquals(7, b.getBlock());
        assertTrue(b.getPresent());
        assertFalse(b.getRedirected());
        assertEquals(ByteString.copyFrom(PARENT.toBytes()), b.getTimeline());
        assertEquals(3, b.getSeq());
        byte[] img = b.getImage().toByteArray();
        assertEquals(8192, img.length);
        for (int i = 0; i < 8192; i++) {
            assertEquals(i < 100 ? (byte) 0xAB : 0, img[i], "byte " + i);
        }

        List<Call> toSource = calls.stream()
                .filter(x -> x.req().getBlocks(0).getFile().equals(source))
                .toList();
        assertEquals(1, toSource.size());
        Call follow = toSource.getFirst();
        assertEquals(c.ownerOf(source, 7), follow.shard());
        assertNotEquals(c.ownerOf(renamed, 7), follow.shard(), "the test means a redirect across shards");
        assertEquals(
                Views.of(Views.level(PARENT, 4), Views.level(ROOT, 3)),
                follow.req().getView());
        assertEquals(4, follow.req().getWaitForSeq(), "the source shard must have ingested up to the cut");
        assertEquals(List.of(ref(source, 7)), follow.req().getBlocksList());
    }

    /**
     * Two renames in a row: each redirect's level is taken in the view the previous hop made, and
     * the zeroing starts at the smaller of the two lengths. A source absent in its view reads as
     * absent under the name asked for. Negative controls: keeping the redirect level itself among
     * the levels after it ({@code subList(redirectLevel, ..)}) failed the hops' view checks; not
     * zeroing failed the image check at byte 3000.
     */
    @Test
    void redirectsChainAndZeroFromTheShortestLength() throws Exception {
        int n = 3;
        PageStoreClient c = start(n, (shard, req, ref) -> switch (ref.getFile()) {
            case "new" ->
                Block.newBuilder()
                        .setFile("new")
                        .setBlock(ref.getBlock())
                        .setRedirected(true)
                        .setRedirectFile("mid")
                        .setRedirectLevel(0)
                        .setRedirectCut(8)
                        .setRedirectZeroFrom(5000)
                        .build();
            // In the view [child@8, parent@5, root@3]: level 2 is the root.
            case "mid" ->
                Block.newBuilder()
                        .setFile("mid")
                        .setBlock(ref.getBlock())
                        .setRedirected(true)
                        .setRedirectFile(ref.getBlock() == 1 ? "old" : "gone")
                        .setRedirectLevel(2)
                        .setRedirectCut(2)
                        .setRedirectZeroFrom(3000)
                        .build();
            case "old" ->
                Block.newBuilder()
                        .setFile("old")
                        .setBlock(ref.getBlock())
                        .setPresent(true)
                        .setImage(ByteString.copyFrom(filled((byte) 7)))
                        .build();
            case "gone" ->
                Block.newBuilder()
                        .setFile("gone")
                        .setBlock(ref.getBlock())
                        .setPresent(false)
                        .build();
            default -> present(shard, ref);
        });

        Block b = c.getBlock(VIEW, "new", 1, 9);
        assertEquals("new", b.getFile());
        assertTrue(b.getPresent());
        byte[] img = b.getImage().toByteArray();
        for (int i = 0; i < 8192; i++) {
            assertEquals(i < 3000 ? (byte) 7 : 0, img[i], "byte " + i);
        }
        Call toMid = calls.stream()
                .filter(x -> x.req().getBlocks(0).getFile().equals("mid"))
                .findFirst()
                .orElseThrow();
        assertEquals(
                Views.of(Views.level(CHILD, 8), Views.level(PARENT, 5), Views.level(ROOT, 3)),
                toMid.req().getView());
        assertEquals(c.ownerOf("mid", 1), toMid.shard());
        Call toOld = calls.stream()
                .filter(x -> x.req().getBlocks(0).getFile().equals("old"))
                .findFirst()
                .orElseThrow();
        assertEquals(Views.of(Views.level(ROOT, 2)), toOld.req().getView());
        assertEquals(2, toOld.req().getWaitForSeq());
        assertEquals(c.ownerOf("old", 1), toOld.shard());

        Block absent = c.getBlock(VIEW, "new", 2, 9);
        assertEquals("new", absent.getFile());
        assertFalse(absent.getPresent());
        assertTrue(absent.getImage().isEmpty(), "no image is made up for an absent block");
    }

    private static byte[] filled(byte v) {
        byte[] b = new byte[8192];
        java.util.Arrays.fill(b, v);
        return b;
    }

    /**
     * A rename cycle (which a correct store never answers) ends after {@link
     * PageStoreClient#REDIRECTS_MAX} hops with an error naming the block, not in an endless loop.
     *
     * <p>Found by this test: {@code followRedirects} read the source through the public {@code
     * getBlocks}, which followed the next redirect itself by recursion, so each hop started at hop 0
     * and the bound was never reached: a cycle ended in a StackOverflowError after thousands of calls
     * (about 9 s here). Each hop is now read without following ({@code fetch}).
     */
    @Test
    void redirectsAreFollowedAtMostMaxRedirectsTimes() throws Exception {
        PageStoreClient c = start(
                2,
                (shard, req, ref) -> Block.newBuilder()
                        .setFile(ref.getFile())
                        .setBlock(ref.getBlock())
                        .setRedirected(true)
                        .setRedirectFile(ref.getFile().equals("x") ? "y" : "x")
                        .setRedirectLevel(0)
                        .setRedirectCut(9)
                        .build());
        PageStoreException e = assertThrows(PageStoreException.class, () -> c.getBlock(VIEW, "x", 3, 9));
        assertTrue(
                e.getMessage().contains("x#3") && e.getMessage().contains("more than " + PageStoreClient.REDIRECTS_MAX),
                e.getMessage());
        assertEquals(1 + PageStoreClient.REDIRECTS_MAX, calls.size());
    }

    /**
     * Stat goes to any shard that answers: with shard 0 unreachable every call is answered by shard
     * 1, whichever shard the rotation starts from. Usage is summed over every shard. Negative
     * controls: trying only the first shard of the rotation in {@code anyShard} failed with
     * Unavailable; keeping the last shard's own bytes instead of the sum failed the usage check.
     */
    @Test
    void statFallsBackToAShardThatAnswersAndUsageSumsEveryShard() throws Exception {
        start(2, (shard, req, ref) -> present(shard, ref));
        String down;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            down = "127.0.0.1:" + s.getLocalPort(); // closed again: nothing listens there
        }
        String up = "127.0.0.1:" + servers.get(1).getPort();
        try (PageStoreClient c = new PageStoreClient(List.of(down, up), CONFIG)) {
            for (int i = 0; i < 4; i++) {
                List<FileStat> st = c.stat(VIEW, List.of("base/1/1259"), 0);
                assertEquals(1, st.size());
                assertEquals(1, st.getFirst().getSize(), "answered by shard 1 (the fake puts its index in size)");
            }
        }
        Map<TimelineId, TimelineUsage> u = client.usage(List.of(CHILD, PARENT));
        assertEquals(1000 + 2000, u.get(CHILD).getOwnBytes());
        assertEquals(1 + 2, u.get(PARENT).getVersions());
    }
}
