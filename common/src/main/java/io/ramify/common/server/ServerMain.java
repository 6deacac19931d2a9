package io.ramify.common.server;

import java.util.Arrays;
import java.util.concurrent.CountDownLatch;

/**
 * Runs one server role in this JVM until SIGTERM: {@code ServerMain ROLE --option value ...}. The
 * local-cluster fixture starts a part as an OS process with it where the {@code ramify} command is
 * not on the class path (a module's own tests); it prints {@code ready: …} once the server serves,
 * as the {@code ramify} subcommands do, and {@code error: …} (exit 1) when it cannot start.
 */
public final class ServerMain {
    private ServerMain() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            System.err.println("usage: ServerMain ROLE --option value ...");
            System.exit(2);
        }
        RunningServer server;
        try {
            server = ServerRole.named(args[0])
                    .start(ServerOptions.parse(Arrays.asList(args).subList(1, args.length)));
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(1);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            try {
                                server.close();
                            } catch (Exception e) {
                                System.err.println("error while stopping: " + e);
                            }
                            stopped.countDown();
                        },
                        "shutdown"));
        System.out.println("ready: " + server.describe());
        System.out.flush();
        stopped.await();
    }
}
