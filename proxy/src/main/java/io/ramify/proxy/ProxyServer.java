package io.ramify.proxy;

import com.codahale.metrics.Counter;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SniCompletionEvent;
import io.netty.handler.ssl.SniHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One PostgreSQL front door for every branch. A connection's first message decides: an SSL request
 * is answered 'S' (then TLS, with the server name the client used recorded) or 'N' without a
 * certificate; a GSS encryption request 'N'; a cancel request is forwarded to the compute that
 * issued that key; a start-up message names the branch ({@link Route}), whose compute is woken if
 * needed ({@link Backends#open}, bounded by {@link ProxyConfig#wakeTimeout()}), and then bytes are
 * relayed both ways. Every failure reaches the client as an ErrorResponse with a SQLSTATE.
 */
public final class ProxyServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ProxyServer.class);
    /** Cancel keys remembered (one per live connection); beyond this the oldest are not cancellable. */
    static final int CANCEL_KEYS_MAX = 100_000;

    private final ProxyConfig config;
    private final Backends backends;
    private final EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final EventLoopGroup workers = new MultiThreadIoEventLoopGroup(0, NioIoHandler.newFactory());
    private final Map<Long, InetSocketAddress> cancelKeys = new ConcurrentHashMap<>();
    private final AtomicInteger open = new AtomicInteger();
    private final MetricRegistry metrics;
    private final Counter bytesToCompute;
    private final Counter bytesToClient;
    private final Counter wakeups;
    private final Timer wakeLatency;
    private final Channel server;

    private ProxyServer(ProxyConfig config, Backends backends, MetricRegistry metrics) throws InterruptedException {
        this.config = config;
        this.backends = backends;
        this.metrics = metrics;
        this.bytesToCompute = metrics.counter("proxy.bytes_to_compute");
        this.bytesToClient = metrics.counter("proxy.bytes_to_client");
        this.wakeups = metrics.counter("proxy.wakeups");
        this.wakeLatency = metrics.timer("proxy.wake_latency");
        metrics.gauge("proxy.connections_open", () -> open::get);
        SslContext ssl = config.tls().orElse(null);
        server = new ServerBootstrap()
                .group(boss, workers)
                .channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast("frontend", new Frontend(ssl));
                    }
                })
                .bind(config.host(), config.port())
                .sync()
                .channel();
    }

    public static ProxyServer start(ProxyConfig config, Backends backends, MetricRegistry metrics)
            throws InterruptedException {
        ProxyServer p = new ProxyServer(config, backends, metrics);
        LOG.info(
                "proxy on {}:{} (TLS {}; default project {})",
                config.host(),
                p.port(),
                config.tls().isPresent() ? "on" : "off",
                config.defaultProject());
        return p;
    }

    public int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    private static long key(int pid, int secret) {
        return ((long) pid << 32) | (secret & 0xFFFFFFFFL);
    }

    /** The client side of one connection. */
    private final class Frontend extends ChannelInboundHandlerAdapter {
        private final SslContext ssl;
        private ByteBuf pending = Unpooled.buffer(256);
        private boolean tlsDone;
        private Optional<String> serverName = Optional.empty();
        private Channel backend;
        private Route route;
        private boolean counted;
        private long cancelKey = -1;

        Frontend(SslContext ssl) {
            this.ssl = ssl;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            if (open.incrementAndGet() > config.maxConnections()) {
                fail(
                        ctx,
                        new ProxyError(
                                ProxyError.TOO_MANY_CONNECTIONS,
                                "the proxy has " + config.maxConnections() + " connections open; try again later"));
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof SniCompletionEvent sni && sni.isSuccess() && sni.hostname() != null) {
                serverName = Optional.of(sni.hostname());
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf in = (ByteBuf) msg;
            if (backend != null) {
                bytesToCompute.inc(in.readableBytes());
                backend.writeAndFlush(in);
                if (!backend.isWritable()) {
                    // Back-pressure: stop reading the client until the compute side drains.
                    ctx.channel().config().setAutoRead(false);
                }
                return;
            }
            try {
                if (pending.readableBytes() + in.readableBytes() > Startup.LENGTH_MAX + 16) {
                    throw new ProxyError(
                            ProxyError.PROTOCOL_VIOLATION, "start-up packet longer than " + Startup.LENGTH_MAX);
                }
                pending.writeBytes(in);
            } catch (ProxyError e) {
                fail(ctx, e);
                return;
            } finally {
                ReferenceCountUtil.release(in);
            }
            if (route == null) {
                handleStartup(ctx);
            }
        }

        private void handleStartup(ChannelHandlerContext ctx) {
            try {
                ByteBuffer buf = pending.nioBuffer();
                if (Startup.missing(buf) > 0) {
                    return;
                }
                Startup s = Startup.parse(buf);
                pending.skipBytes(buf.position());
                switch (s) {
                    case Startup.SslRequest r -> {
                        if (tlsDone) {
                            throw new ProxyError(ProxyError.PROTOCOL_VIOLATION, "a second SSL request");
                        }
                        tlsDone = true;
                        if (ssl == null) {
                            ctx.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {'N'}));
                        } else {
                            ctx.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {'S'}))
                                    .addListener(f -> ctx.pipeline().addFirst("tls", new SniHandler(host -> ssl)));
                        }
                    }
                    case Startup.GssEncRequest r -> ctx.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {'N'}));
                    case Startup.CancelRequest c -> cancel(ctx, c);
                    case Startup.Message m -> connect(ctx, m);
                }
                if (route == null && pending.isReadable() && ctx.channel().isActive()) {
                    handleStartup(ctx);
                }
            } catch (ProxyError e) {
                fail(ctx, e);
            }
        }

        private void cancel(ChannelHandlerContext ctx, Startup.CancelRequest c) {
            InetSocketAddress target = cancelKeys.get(key(c.pid(), c.secret()));
            ctx.close();
            if (target == null) {
                LOG.info("cancel request for an unknown key (pid {}) ignored", c.pid());
                return;
            }
            ByteBuf msg = Unpooled.buffer(16)
                    .writeInt(16)
                    .writeInt(Startup.CANCEL_REQUEST)
                    .writeInt(c.pid())
                    .writeInt(c.secret());
            new Bootstrap()
                    .group(workers)
                    .channel(NioSocketChannel.class)
                    .handler(new ChannelInboundHandlerAdapter())
                    .connect(target)
                    .addListener((ChannelFutureListener) f -> {
                        if (f.isSuccess()) {
                            f.channel().writeAndFlush(msg).addListener(ChannelFutureListener.CLOSE);
                        } else {
                            msg.release();
                        }
                    });
        }

        private void connect(ChannelHandlerContext ctx, Startup.Message m) {
            Route.Resolved r = Route.resolve(m.parameters(), serverName, config.defaultProject());
            route = r.route();
            byte[] startup = Startup.encode(m.protocol(), r.forwardedParameters());
            ctx.channel().config().setAutoRead(false);
            long t0 = System.nanoTime();
            CompletableFuture<InetSocketAddress> opened =
                    backends.open(route).orTimeout(config.wakeTimeout().toMillis(), TimeUnit.MILLISECONDS);
            opened.whenComplete((addr, err) -> ctx.executor().execute(() -> {
                if (err != null) {
                    Throwable c = err instanceof java.util.concurrent.CompletionException && err.getCause() != null
                            ? err.getCause()
                            : err;
                    fail(
                            ctx,
                            c instanceof ProxyError pe
                                    ? pe
                                    : c instanceof TimeoutException
                                            ? new ProxyError(
                                                    ProxyError.CANNOT_CONNECT_NOW,
                                                    "the compute of branch " + route + " did not start within "
                                                            + config.wakeTimeout()
                                                                    .toSeconds() + " s; try again")
                                            : new ProxyError(
                                                    ProxyError.CANNOT_CONNECT_NOW,
                                                    "cannot reach the compute of branch " + route + ": "
                                                            + c.getMessage(),
                                                    c));
                    return;
                }
                long waited = System.nanoTime() - t0;
                if (waited > config.wakeCountedAbove().toNanos()) {
                    wakeups.inc();
                    wakeLatency.update(waited, TimeUnit.NANOSECONDS);
                }
                if (!ctx.channel().isActive()) {
                    return;
                }
                new Bootstrap()
                        .group(ctx.channel().eventLoop())
                        .channel(NioSocketChannel.class)
                        .option(ChannelOption.TCP_NODELAY, true)
                        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
                        .handler(new BackendHandler(ctx.channel()))
                        .connect(addr)
                        .addListener((ChannelFutureListener) f -> {
                            if (!f.isSuccess()) {
                                fail(
                                        ctx,
                                        new ProxyError(
                                                ProxyError.CANNOT_CONNECT_NOW,
                                                "the compute of branch " + route + " at " + addr
                                                        + " refused the connection: "
                                                        + f.cause().getMessage()));
                                return;
                            }
                            backend = f.channel();
                            backends.connected(route);
                            counted = true;
                            metrics.counter("proxy.connections." + route.project() + "." + route.branch())
                                    .inc();
                            backend.write(Unpooled.wrappedBuffer(startup));
                            if (pending.isReadable()) {
                                bytesToCompute.inc(pending.readableBytes());
                                backend.write(pending.retainedSlice());
                                pending.skipBytes(pending.readableBytes());
                            }
                            backend.flush();
                            ctx.channel().config().setAutoRead(true);
                        });
            }));
        }

        void rememberCancelKey(int pid, int secret, InetSocketAddress addr) {
            if (cancelKeys.size() < CANCEL_KEYS_MAX) {
                cancelKey = key(pid, secret);
                cancelKeys.put(cancelKey, addr);
            }
        }

        private void fail(ChannelHandlerContext ctx, ProxyError e) {
            metrics.counter("proxy.errors." + e.sqlState()).inc();
            LOG.info(
                    "connection from {} refused ({}): {}", ctx.channel().remoteAddress(), e.sqlState(), e.getMessage());
            if (ctx.channel().isActive()) {
                ctx.writeAndFlush(Unpooled.wrappedBuffer(e.toErrorResponse())).addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel().isWritable() && backend != null) {
                backend.config().setAutoRead(true);
            }
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            open.decrementAndGet();
            pending.release();
            pending = Unpooled.EMPTY_BUFFER;
            if (cancelKey != -1) {
                cancelKeys.remove(cancelKey);
            }
            if (backend != null) {
                backend.close();
            }
            if (counted) {
                counted = false;
                metrics.counter("proxy.connections." + route.project() + "." + route.branch())
                        .dec();
                backends.disconnected(route);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.debug("client connection {}: {}", ctx.channel().remoteAddress(), cause.toString());
            ctx.close();
        }

        /** The compute side: relays to the client, and notes the cancel key from BackendKeyData. */
        private final class BackendHandler extends ChannelInboundHandlerAdapter {
            private final Channel client;
            /** Until ReadyForQuery, messages are scanned for BackendKeyData ('K'). */
            private ByteBuf scan = Unpooled.buffer(64);

            private boolean scanning = true;

            BackendHandler(Channel client) {
                this.client = client;
            }

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ByteBuf in = (ByteBuf) msg;
                if (scanning) {
                    scan.writeBytes(in, in.readerIndex(), in.readableBytes());
                    while (scan.readableBytes() >= 5) {
                        byte type = scan.getByte(scan.readerIndex());
                        int len = scan.getInt(scan.readerIndex() + 1);
                        if (scan.readableBytes() < 1 + len) {
                            break;
                        }
                        if (type == 'K' && len == 12) {
                            rememberCancelKey(
                                    scan.getInt(scan.readerIndex() + 5),
                                    scan.getInt(scan.readerIndex() + 9),
                                    (InetSocketAddress) ctx.channel().remoteAddress());
                        }
                        scan.skipBytes(1 + len);
                        if (type == 'Z' || type == 'E') {
                            scanning = false;
                            scan.release();
                            break;
                        }
                    }
                    if (scanning) {
                        scan.discardReadBytes();
                    }
                }
                bytesToClient.inc(in.readableBytes());
                client.writeAndFlush(in);
                if (!client.isWritable()) {
                    ctx.channel().config().setAutoRead(false);
                }
            }

            @Override
            public void channelWritabilityChanged(ChannelHandlerContext ctx) {
                if (ctx.channel().isWritable()) {
                    client.config().setAutoRead(true);
                }
                ctx.fireChannelWritabilityChanged();
            }

            @Override
            public void channelInactive(ChannelHandlerContext ctx) {
                if (scanning) {
                    scanning = false;
                    scan.release();
                }
                client.close();
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                LOG.debug("compute connection for {}: {}", route, cause.toString());
                ctx.close();
            }
        }
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS);
    }
}
