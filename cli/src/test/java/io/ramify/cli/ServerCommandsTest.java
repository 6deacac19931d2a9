package io.ramify.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ramify.common.server.ServerOptions;
import io.ramify.common.server.ServerRole;
import io.ramify.pagestore.server.PageStoreConfig;
import io.ramify.pagestore.server.PageStoreRole;
import io.ramify.wal.server.WalServerConfig;
import io.ramify.wal.server.WalServerRole;
import java.lang.reflect.Field;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The server subcommands and the server roles the local-cluster fixture starts are one thing: every
 * option a role accepts is an option of the {@code ramify} subcommand of the same name, and the
 * other way round, so the fixture (which passes a role's options to {@code ramify ROLE} in {@code
 * ramify up} and the chaos tests) and the CLI cannot drift apart.
 *
 * <p>Negative control, tried: with {@code --segment-size-max-bytes} removed from {@code
 * WalServerCommand}, {@code everyRoleOptionIsAnOptionOfItsSubcommand} failed naming it.
 */
class ServerCommandsTest {
    @Test
    void everyRoleOptionIsAnOptionOfItsSubcommand() throws Exception {
        List<String> roles = new ArrayList<>();
        for (ServerRole role : ServiceLoader.load(ServerRole.class)) {
            roles.add(role.name());
            CommandLine sub = Ramify.commandLine().getSubcommands().get(role.name());
            assertTrue(
                    sub != null,
                    "no subcommand `ramify " + role.name() + "` for the role "
                            + role.getClass().getName());
            assertEquals(
                    new TreeSet<>(roleOptions(role)),
                    ServerCommands.serverOptionNames(sub.getCommandSpec()),
                    "the options of role " + role.name() + " (left) and of `ramify " + role.name() + "` (right)");
        }
        assertEquals(Set.of("wal-server", "page-store", "control"), Set.copyOf(roles));
    }

    /** A role's {@code OPTIONS}, which {@code ServerOptions.onlyOf} holds its options to (not public in every module). */
    @SuppressWarnings("unchecked")
    private static Set<String> roleOptions(ServerRole role) throws ReflectiveOperationException {
        Field f = role.getClass().getDeclaredField("OPTIONS");
        f.setAccessible(true);
        return (Set<String>) f.get(null);
    }

    /** What a command line parses to is what the role builds its configuration from, defaults included. */
    @Test
    void aParsedCommandLineIsTheRolesOptions() {
        CommandSpec wal = parsed(
                "wal-server",
                "--node-id",
                "n1",
                "--nodes",
                "n0=127.0.0.1:7401,n1=127.0.0.1:7402",
                "--data-dir",
                "/tmp/wal-n1",
                "--snapshot-every-entries",
                "500");
        ServerOptions o = ServerCommands.options(wal);
        WalServerConfig c = WalServerRole.config(o);
        assertEquals("n1", c.nodeId());
        assertEquals(Path.of("/tmp/wal-n1"), c.dataDir());
        assertEquals(2, c.cluster().groupCount());
        assertEquals(500, c.snapshotEveryEntries());
        assertEquals(
                List.of("catalog"),
                c.hostedGroups().stream().map(h -> h.name()).toList(),
                "ramify wal-server hosts the catalog unless told otherwise");
        assertEquals("ramify", o.string("cluster-name"));

        CommandSpec ps = parsed(
                "page-store",
                "--shard",
                "1",
                "--of",
                "2",
                "--wal-nodes",
                "n0=127.0.0.1:7401",
                "--data-dir",
                "/tmp/ps-1",
                "--port",
                "7412",
                "--wal-groups",
                "3");
        PageStoreConfig p = PageStoreRole.config(ServerCommands.options(ps));
        assertEquals(1, p.shard());
        assertEquals(2, p.shardCount());
        assertEquals(7412, p.port());
        assertEquals(3, p.wal().groupCount());
        assertEquals("0.0.0.0", p.host());
    }

    private static CommandSpec parsed(String... args) {
        CommandLine cl = Ramify.commandLine();
        cl.parseArgs(args);
        return cl.getSubcommands().get(args[0]).getCommandSpec();
    }
}
