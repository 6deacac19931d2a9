package io.ramify.cli;

import io.ramify.cluster.Launcher;
import io.ramify.cluster.LocalCluster;
import io.ramify.cluster.Part;
import io.ramify.common.AotCache;
import io.ramify.common.ServerJvm;
import io.ramify.control.Views;
import io.ramify.control.client.ApiClient;
import io.ramify.control.http.ApiException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ramify up}: the whole system on this machine, on loopback: 3 ratis-wal nodes (which host
 * the catalog too), 2 page-store shards and the control plane, each its own process under
 * {@code --data-dir}, then the project {@code app} with the compute of {@code main}. The processes
 * are the parts of a {@link LocalCluster} (the fixture tests and benchmarks start clusters with),
 * each started as {@code ramify ROLE …} by {@link #launcher}; {@code up} adds the installation
 * ({@link Local}: kept ports, pid files), the per-role AOT caches, and the project and its compute.
 */
@Command(
        name = "up",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        usageHelpWidth = 110,
        description = {
            "Starts Ramify on this machine: a 3-node ratis-wal (hosting the branch catalog), 2 page-store shards",
            "and the control plane (REST API), each a background process with its log under DATA_DIR/logs, then",
            "creates the project (first time) and starts the compute of its main branch, and prints how to connect:",
            "one Postgres port (the proxy, 6432) for every branch, by options=endpoint=BRANCH.",
            "Running it again resumes whatever is not running, with the data intact. Stop with `ramify down`."
        })
public final class UpCommand implements Callable<Integer> {
    /** Where everything lives (default: $RAMIFY_DATA_DIR or ./.ramify); the OS user must be able to traverse it. */
    @Mixin
    DataDirOption dataDir = new DataDirOption();

    @Option(
            names = {"-p", "--project"},
            paramLabel = "NAME",
            description = "Project to create and start (default: ${DEFAULT-VALUE}).")
    String project = ApiOptions.DEFAULT_PROJECT;

    @Option(
            names = "--os-user",
            paramLabel = "USER",
            description = "OS user Postgres runs as (default: ${DEFAULT-VALUE}).")
    String osUser = "postgres";

    @Option(
            names = "--aot-cache",
            negatable = true,
            defaultValue = "true",
            fallbackValue = "true",
            description = {
                "Start servers from a Java AOT cache per role (under DIR/aot), trained by the first run and "
                        + "written when `ramify down` stops it: later starts load classes and profiles from it (default: on)."
            })
    boolean aotCache = true;

    /** The fixture's progress line for a process it started: {@code starting NAME (pid N, log …)}. */
    private static final Pattern STARTING = Pattern.compile("^starting (\\S+) \\(pid (\\d+),");

    /** The cluster of this run, once built: a failed or interrupted {@code up} stops the parts it started. */
    private volatile LocalCluster cluster;

    /** Set by Ctrl-C or SIGTERM: the hook stops what this run started, and the start's failure is no news. */
    private volatile boolean interrupted;

    /** The pid written to {@code run/NAME.pid} for each process this run started. */
    private final Map<String, Long> pidsWritten = new HashMap<>();

    @Override
    public Integer call() throws Exception {
        // Before anything is created or started: a missing package is one line with the command to run.
        Prerequisites.check(osUser);
        Local local = new Local(dataDir.path());
        Thread onSignal = new Thread(
                () -> {
                    interrupted = true;
                    stopStarted(local, "interrupted");
                },
                "up-interrupted");
        Runtime.getRuntime().addShutdownHook(onSignal);
        try {
            int code = up(local);
            removeHook(onSignal);
            return code;
        } catch (Exception | Error e) {
            if (removeHook(onSignal)) {
                stopStarted(local, "up failed");
            }
            throw e;
        }
    }

    /** False when the JVM is already shutting down (then the hook stops what this run started). */
    private static boolean removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
            return true;
        } catch (IllegalStateException e) {
            return false;
        }
    }

    /**
     * Stops the processes this run started (a failed or interrupted {@code up}), newest first, as
     * {@code down} does, and removes their pid files; processes that were running before this
     * {@code up} stay. (A part that fails to start has the fixture stop the others first.)
     */
    private void stopStarted(Local local, String why) {
        LocalCluster c = cluster;
        if (c == null) {
            return;
        }
        List<Part> parts = c.parts();
        for (int i = parts.size() - 1; i >= 0; i--) {
            Part p = parts.get(i);
            if (!p.startedHere()) {
                continue;
            }
            Optional<ProcessHandle> h = p.process();
            if (h.isPresent()) {
                step(why + ": stopping " + p.name() + " (pid " + h.get().pid() + ")");
                try {
                    p.stop();
                } catch (IOException | RuntimeException e) {
                    step("stopping " + p.name() + " failed: " + e.getMessage());
                }
            }
            try {
                Files.deleteIfExists(local.pidFile(p.name()));
            } catch (IOException e) {
                step("cannot delete " + local.pidFile(p.name()) + ": " + e.getMessage());
            }
        }
    }

    private int up(Local local) throws Exception {
        long t0 = System.nanoTime();
        if (local.exists()) {
            local.load();
            step("resuming the installation in " + local.dir);
        } else {
            local.init();
            step("new installation in " + local.dir + " (ports in " + local.file() + ")");
        }
        checkTraversable(local.dir);
        Path computes = Files.createDirectories(local.dir.resolve("computes"));
        Files.setPosixFilePermissions(computes, PosixFilePermissions.fromString("rwxr-xr-x"));
        cluster = LocalCluster.builder(local.dir)
                .name(Local.CLUSTER)
                .walNodes(Local.WAL_NODES, 0)
                .catalog()
                .shards(Local.SHARDS)
                .control(computes)
                .proxy()
                .controlOption("default-project", project)
                .controlOption("compute-port-base", local.computePortBase())
                .controlOption("os-user", osUser)
                .allProcesses()
                .launcher(launcher(local))
                .ports(local.ports())
                .logs(local.dir.resolve("logs"))
                .balanceLeaders()
                .alreadyRunning(name -> running(local, name))
                .progress(s -> progress(local, s))
                .build();
        try {
            cluster.start();
        } catch (FileAlreadyExistsException e) {
            throw new UserError("cannot create the directory " + e.getFile() + ": a file is in its place", e);
        } catch (IOException e) {
            // A part that exited or was not ready: the fixture's message names it, its reason and its log.
            throw new UserError(interrupted ? "interrupted: stopped what this `up` had started" : e.getMessage(), e);
        }
        for (Part p : cluster.parts()) {
            if (p.startedHere()) {
                p.process().ifPresent(h -> writePid(local, p.name(), h.pid()));
            }
        }
        ApiClient api = new ApiClient(local.api());
        try {
            api.get("/v1/projects/" + ApiClient.seg(project), Views.Project.class);
        } catch (ApiException e) {
            if (!"NOT_FOUND".equals(e.code())) {
                throw e;
            }
            step("creating project " + project);
            api.post("/v1/projects", new Views.CreateProject(project, null), Views.ProjectCreated.class);
        }
        step("starting the compute of " + project + "/main (the first start runs initdb -k: up to a minute)");
        api.post("/v1/projects/" + ApiClient.seg(project) + "/branches/main/compute/start", null, Views.Branch.class);
        step(String.format("ready in %.1f s", (System.nanoTime() - t0) / 1e9));
        printInstructions(local);
        return 0;
    }

    private void printInstructions(Local local) {
        String uri = "postgresql://postgres@127.0.0.1:" + local.proxyPort() + "/postgres?options=endpoint%3Dmain";
        System.out.println();
        System.out.println("Ramify is up. API: " + local.api() + "/v1 (OpenAPI: " + local.api() + "/v1/openapi.json)");
        System.out.println("main:   psql \"" + uri + "\"");
        System.out.println("        (through the proxy on port " + local.proxyPort()
                + ": options=endpoint=BRANCH picks the branch;" + " idle computes suspend and wake on connect)");
        System.out.println();
        System.out.println("Make a branch and connect to it:");
        System.out.println("  bin/ramify branch create dev");
        System.out.println("  psql \"$(bin/ramify connect dev)\"     # the proxy starts dev's compute on connect");
        System.out.println("Stop everything: bin/ramify down" + dataDir.asOption());
    }

    /**
     * How {@code up} starts a part: {@code setsid} (Ctrl-C at {@code up} must not reach the servers),
     * the role's heap, {@link ServerJvm#OPTIONS}, its role's AOT cache, then {@code ramify ROLE
     * OPTIONS --debug} (a server's stderr is its log: an error there comes with its stack trace).
     */
    Launcher launcher(Local local) {
        String classPath = System.getProperty("java.class.path");
        return (part, role, args) -> {
            List<String> jvm = new ArrayList<>(ServerJvm.OPTIONS);
            if (aotCache) {
                // One cache per role (wal, page-store, control); the role's first server trains it.
                String cacheRole = part.replaceFirst("-n?\\d+$", "");
                jvm.addAll(AotCache.options(
                        local.dir.resolve("aot"), cacheRole, classPath, part.equals(cacheRole) || part.endsWith("0")));
            }
            List<String> cmd = new ArrayList<>(List.of("setsid"));
            cmd.addAll(Launcher.java(Ramify.class.getName(), jvm, List.of("--debug"))
                    .command(part, role, args));
            return cmd;
        };
    }

    /** The process recorded in {@code run/NAME.pid}, if it still runs: the fixture adopts it instead of starting one. */
    private static Optional<ProcessHandle> running(Local local, String name) {
        try {
            return local.running(name);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A step of the fixture, as an {@code [up]} line; a process it started gets its pid file at once,
     * so that {@code ramify down} finds it even if this {@code up} dies before the end.
     */
    private void progress(Local local, String s) {
        String failed = "start failed: ";
        step(s.startsWith(failed) ? (interrupted ? "interrupted: " : "up failed: ") + s.substring(failed.length()) : s);
        Matcher m = STARTING.matcher(s);
        if (m.find()) {
            writePid(local, m.group(1), Long.parseLong(m.group(2)));
        }
    }

    private synchronized void writePid(Local local, String name, long pid) {
        if (Long.valueOf(pid).equals(pidsWritten.get(name))) {
            return;
        }
        try {
            Files.createDirectories(local.pidFile(name).getParent());
            Files.writeString(local.pidFile(name), Long.toString(pid));
            pidsWritten.put(name, pid);
        } catch (IOException e) {
            step("cannot write " + local.pidFile(name) + ": " + e.getMessage() + " (`ramify down` will not find " + name
                    + ")");
        }
    }

    private static void step(String s) {
        System.err.println("[up] " + s);
    }

    private void checkTraversable(Path dir) throws IOException {
        for (Path p = dir; p != null; p = p.getParent()) {
            if (Files.exists(p)
                    && !Files.getPosixFilePermissions(p).contains(PosixFilePermission.OTHERS_EXECUTE)
                    && !Files.getOwner(p).getName().equals(osUser)) {
                throw new UserError("the OS user " + osUser + " cannot traverse " + p + " to reach the computes under "
                        + dir + "; choose another --data-dir (e.g. /var/lib/ramify) or chmod o+x " + p);
            }
        }
    }
}
