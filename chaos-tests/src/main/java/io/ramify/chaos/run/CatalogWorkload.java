package io.ramify.chaos.run;

import com.fasterxml.jackson.databind.JsonNode;
import io.ramify.chaos.check.CatalogModel;
import io.ramify.chaos.check.CatalogOps;
import io.ramify.chaos.check.LinearizabilityChecker;
import io.ramify.chaos.check.LinearizabilityResult;
import io.ramify.chaos.history.History;
import io.ramify.chaos.history.Op;
import io.ramify.chaos.history.Operation;
import io.ramify.chaos.history.Outcome;
import io.ramify.chaos.history.Value;
import io.ramify.control.Views;
import io.ramify.control.client.ApiClient;
import io.ramify.control.http.HttpApi;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * Concurrent branch operations on one project ({@value #PROJECT}) through the REST API, checked
 * for linearizability against {@link CatalogModel}. Each client (a thread, process {@code 0..N-1}
 * in the history) draws from a seeded {@link Random} of its own a function and names from a small
 * name space ({@link #NAMES}: the root and five more, so that operations collide): create (a
 * parent among the names its last read listed, at first {@code main}), rename, delete, protect or
 * unprotect, reset, and read (the listing), then waits a random think time and draws again. The
 * draws depend on what the client read, so a seed replays the first choices, not the whole run.
 *
 * <p><b>Recording</b>, in the form {@link CatalogOps} and {@link CatalogModel} read: the function
 * names and inputs of {@link CatalogOps}; an answer 2xx is OK (a write echoes its input, a read
 * gives the listed names); a 4xx whose code is one of {@link CatalogModel.Code} is FAIL with that
 * code as the error (a definite refusal the model must give); a request that was never sent (the
 * connection refused or not made in time) is FAIL without a code (nothing happened, nothing
 * observed); everything else is INFO, indeterminate: a timeout, a broken connection, any 5xx
 * (UNAVAILABLE: the change may have been committed), a 4xx with a code the model does not know
 * (counted in the verdict as unexpected: no such answer should come), an unreadable body.
 *
 * <p><b>Retries: none.</b> Each request is sent once, with an {@code Idempotency-Key} of its own
 * ({@code cat-P-N}), and waits at most {@link #REQUEST_TIMEOUT}. A request without a definite
 * answer is recorded INFO and the client moves on to a new draw: if that repeats the request, it
 * is a new operation with a new key, which the model checks on its own. ({@link ApiClient} is not
 * used for the recorded operations: it retries with the same key for minutes, which keeps one
 * operation's interval open for as long.)
 *
 * <p><b>Budget.</b> At most {@code opsMax} operations (default {@value #OPS_DEFAULT}) so that the
 * history stays small enough for the checker, spread over the time the nemesis is expected to take
 * ({@link #start}); the clients stop when it is spent, and the run stops injecting faults. After
 * the faults healed, one more client reads the listing (the final read; a few attempts, each an
 * operation) before the check.
 */
public final class CatalogWorkload implements Workload {
    public static final String PROJECT = "cat";
    public static final int OPS_DEFAULT = 400;
    /** The names drawn from: the root and five more. */
    static final List<String> NAMES = List.of(CatalogModel.ROOT, "b1", "b2", "b3", "b4", "b5");
    /** How long one request may take before it is recorded indeterminate. */
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(20);

    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** Longest mean think time between a client's operations, whatever the budget and the span. */
    static final long THINK_MILLIS_MAX = 5_000;
    /**
     * Pause after a request that could not be sent (the API is down: a killed or restarting control
     * plane refuses connections at once), so that the budget is not spent on refusals.
     */
    static final long NOT_SENT_PAUSE_MILLIS = 1_000;
    /** Attempts at the final read after healing. */
    static final int FINAL_READ_ATTEMPTS_MAX = 5;
    /** Characters of an error message kept in the history. */
    static final int MESSAGE_CHARS_MAX = 200;
    /** Unexpected answers listed in the verdict. */
    static final int UNEXPECTED_LISTED_MAX = 20;

    static final Set<String> FUNCTIONS = Set.of(
            CatalogOps.CREATE,
            CatalogOps.RENAME,
            CatalogOps.DELETE,
            CatalogOps.PROTECT,
            CatalogOps.RESET,
            CatalogOps.READ);
    private static final Set<String> KNOWN_CODES =
            Arrays.stream(CatalogModel.Code.values()).map(Enum::name).collect(Collectors.toSet());

    private final Recorder rec;
    private final long seed;
    private final int opsMax;
    private final AtomicInteger budget;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final List<Thread> threads = new ArrayList<>();
    private final List<String> unexpected = Collections.synchronizedList(new ArrayList<>());
    private URI base;
    private int clients;
    private long spanNanos;
    private long spanEndNanos;
    private String controlCaught = "";

    public CatalogWorkload(Recorder rec, long seed, int opsMax) {
        this.rec = rec;
        this.seed = seed;
        this.opsMax = opsMax;
        this.budget = new AtomicInteger(opsMax);
    }

    @Override
    public Kind kind() {
        return Kind.CATALOG;
    }

    @Override
    public String project() {
        return PROJECT;
    }

    @Override
    public Set<String> functions() {
        return FUNCTIONS;
    }

    /**
     * The project (its root {@code main} is the model's initial state), and main's compute started
     * once and stopped: a branch forks its parent's head, and a timeline no compute ever wrote has
     * none yet (the fork is refused OUT_OF_WINDOW). Then no compute runs: the branches are catalog
     * entries and forks.
     */
    @Override
    public void setUp(ChaosCluster c) {
        c.api.post("/v1/projects", new Views.CreateProject(PROJECT, null), Views.ProjectCreated.class);
        String main = "/v1/projects/" + PROJECT + "/branches/" + CatalogModel.ROOT;
        c.api.post(main + "/compute/start", null, Views.Branch.class);
        c.api.post(main + "/compute/stop", null, Views.Branch.class);
        base = c.api.base();
    }

    /** Starts the clients, pacing them to spread the budget over {@code span} ({@link #thinkMillis}). */
    @Override
    public void start(int clients, Duration span) {
        this.clients = clients;
        this.spanNanos = span.toNanos();
        this.spanEndNanos = System.nanoTime() + spanNanos;
        for (int i = 0; i < clients; i++) {
            int process = i;
            threads.add(Thread.ofPlatform().name("catalog-" + i).daemon().start(() -> client(process)));
        }
    }

    @Override
    public boolean running() {
        return stopped.getCount() > 0 && threads.stream().anyMatch(Thread::isAlive);
    }

    @Override
    public void stop() throws InterruptedException {
        stopped.countDown();
        for (Thread t : threads) {
            t.join(REQUEST_TIMEOUT.toMillis() + 30_000);
        }
    }

    private void client(int process) {
        Random rnd = new Random(seed ^ (0x9E3779B97F4A7C15L * (process + 1)));
        HttpClient http = http();
        List<String> seen = List.of(CatalogModel.ROOT);
        try {
            for (long n = 0; budget.getAndDecrement() > 0; n++) {
                if (stopped.await(thinkMillis(rnd), TimeUnit.MILLISECONDS)) {
                    return;
                }
                Done done = perform(http, process, n, draw(rnd, seen));
                seen = done.listed() != null && !done.listed().isEmpty() ? done.listed() : seen;
                if (!done.sent() && stopped.await(NOT_SENT_PAUSE_MILLIS, TimeUnit.MILLISECONDS)) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            http.close();
        }
    }

    /**
     * A think time drawn uniformly from 0 to twice a mean that spreads what is left of the budget
     * over what is left of the span (at least a quarter of it, so that a run outlasting its
     * estimate keeps a slower pace rather than a frantic one): {@code clients * timeLeft /
     * opsLeft}, at most {@link #THINK_MILLIS_MAX}. Recomputed before each operation, so the time
     * clients spend waiting on a fault (a partitioned leader, an API that does not answer) is made
     * up afterwards instead of leaving the budget unspent, and faults that stop nobody do not
     * spend it early.
     */
    private long thinkMillis(Random rnd) {
        long opsLeft = Math.max(1, budget.get());
        long timeLeftMillis = Math.max(spanEndNanos - System.nanoTime(), spanNanos / 4) / 1_000_000;
        long mean = Math.min(THINK_MILLIS_MAX, clients * timeLeftMillis / opsLeft);
        return mean == 0 ? 0 : rnd.nextLong(2 * mean + 1);
    }

    private static HttpClient http() {
        return HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(CONNECT_TIMEOUT)
                .build();
    }

    /** One operation: its function and input as the model reads them, and the request that does it. */
    record Call(String f, Value input, String method, String path, Object body) {}

    /**
     * The next operation: reads a quarter of the time; creates and deletes about as often as each
     * other, and protection more often off than on, so that the six names neither all exist (every
     * create refused) nor all stay protected. A new branch's parent is one of the names the client
     * last read ({@code seen}); the branch an operation names is one of them three times in four, else
     * any of the six (a create's name: any of the six).
     */
    static Call draw(Random rnd, List<String> seen) {
        String any = NAMES.get(rnd.nextInt(NAMES.size()));
        String name = rnd.nextInt(4) < 3 ? seen.get(rnd.nextInt(seen.size())) : any;
        String branches = "/v1/projects/" + PROJECT + "/branches";
        String one = branches + "/" + ApiClient.seg(name);
        int r = rnd.nextInt(100);
        if (r < 25) {
            return new Call(CatalogOps.READ, CatalogOps.read(), "GET", branches + "?sizes=false", null);
        }
        if (r < 45) {
            String parent = seen.get(rnd.nextInt(seen.size()));
            return new Call(
                    CatalogOps.CREATE,
                    CatalogOps.create(any, parent),
                    "POST",
                    branches,
                    new Views.CreateBranch(any, parent, null, null, null));
        }
        if (r < 55) {
            List<String> others = NAMES.stream().filter(x -> !x.equals(name)).toList();
            String to = others.get(rnd.nextInt(others.size()));
            return new Call(
                    CatalogOps.RENAME,
                    CatalogOps.rename(name, to),
                    "PATCH",
                    one,
                    new Views.UpdateBranch(to, null, null, null));
        }
        if (r < 77) {
            return new Call(CatalogOps.DELETE, CatalogOps.delete(name), "DELETE", one, null);
        }
        if (r < 87) {
            boolean on = rnd.nextInt(3) == 0;
            return new Call(
                    CatalogOps.PROTECT,
                    CatalogOps.protect(name, on),
                    "PATCH",
                    one,
                    new Views.UpdateBranch(null, on, null, null));
        }
        return new Call(CatalogOps.RESET, CatalogOps.reset(name), "POST", one + "/reset", null);
    }

    /** How a call went: whether it was sent, and the names listed when it was a read that answered (else null). */
    record Done(boolean sent, List<String> listed) {
        static final Done SENT = new Done(true, null);
    }

    /** Sends the call once and records it. */
    private Done perform(HttpClient http, int process, long n, Call call) throws InterruptedException {
        rec.invoke(process, call.f(), call.input());
        HttpResponse<byte[]> resp;
        try {
            HttpRequest req = HttpRequest.newBuilder(base.resolve(call.path()))
                    .timeout(REQUEST_TIMEOUT)
                    .header("Content-Type", "application/json")
                    .header(HttpApi.REQUEST_ID_HEADER, "cat-" + process + "-" + n)
                    .method(
                            call.method(),
                            call.body() == null
                                    ? HttpRequest.BodyPublishers.noBody()
                                    : HttpRequest.BodyPublishers.ofByteArray(
                                            HttpApi.JSON.writeValueAsBytes(call.body())))
                    .build();
            resp = http.send(req, HttpResponse.BodyHandlers.ofByteArray());
        } catch (ConnectException | HttpConnectTimeoutException e) {
            rec.fail(process, call.f(), call.input(), null); // never sent: nothing happened
            return new Done(false, null);
        } catch (HttpTimeoutException e) {
            rec.info(process, call.f(), call.input(), "timeout after " + REQUEST_TIMEOUT.toSeconds() + " s");
            return Done.SENT;
        } catch (IOException e) {
            rec.info(process, call.f(), call.input(), clip(e.toString()));
            return Done.SENT;
        } catch (InterruptedException e) {
            rec.info(process, call.f(), call.input(), "interrupted");
            throw e;
        }
        return new Done(true, answered(process, call, resp.statusCode(), resp.body()));
    }

    private List<String> answered(int process, Call call, int status, byte[] body) {
        if (status / 100 == 2) {
            if (!call.f().equals(CatalogOps.READ)) {
                rec.ok(process, call.f(), call.input());
                return null;
            }
            List<String> names = names(body);
            if (names == null) {
                rec.info(process, call.f(), call.input(), "HTTP " + status + " with a body that is not a listing");
                return null;
            }
            rec.ok(process, call.f(), Value.strings(names));
            return names;
        }
        String code = "";
        String message = "";
        try {
            JsonNode err = HttpApi.JSON.readTree(body);
            code = err.path("code").asText("");
            message = err.path("message").asText("");
        } catch (IOException e) {
            message = new String(body, java.nio.charset.StandardCharsets.UTF_8);
        }
        if (status / 100 == 4 && KNOWN_CODES.contains(code)) {
            rec.fail(process, call.f(), call.input(), code);
            return null;
        }
        String why = clip("HTTP " + status + " " + code + ": " + message);
        if (status / 100 == 4) {
            unexpected.add(call.f() + " " + call.input() + " -> " + why);
        }
        rec.info(process, call.f(), call.input(), why);
        return null;
    }

    /** The names of a listing, or null when the body is not one. */
    static List<String> names(byte[] body) {
        try {
            JsonNode list = HttpApi.JSON.readTree(body);
            if (!list.isArray()) {
                return null;
            }
            List<String> names = new ArrayList<>();
            for (JsonNode b : list) {
                if (!b.path("name").isTextual()) {
                    return null;
                }
                names.add(b.path("name").asText());
            }
            return names;
        } catch (IOException e) {
            return null;
        }
    }

    private static String clip(String s) {
        return s.length() <= MESSAGE_CHARS_MAX ? s : s.substring(0, MESSAGE_CHARS_MAX) + "...";
    }

    /**
     * What the check found. {@code linearizability} is the checker's verdict and {@code explanation}
     * its words (for a violation: the longest linearizable prefix, the operation that cannot be
     * placed, the model's state and answer there).
     */
    public record Verdict(
            int operations,
            int acknowledged,
            int refused,
            int notSent,
            int indeterminate,
            Map<String, Integer> refusals,
            List<String> unexpectedAnswers,
            String finalRead,
            LinearizabilityResult.Verdict linearizability,
            long configurations,
            long checkMillis,
            String explanation)
            implements Workload.Verdict {
        @Override
        public boolean ok() {
            return linearizability == LinearizabilityResult.Verdict.LINEARIZABLE;
        }

        @Override
        public boolean unknown() {
            return linearizability == LinearizabilityResult.Verdict.UNKNOWN;
        }

        @Override
        public List<String> lost() {
            return List.of();
        }

        @Override
        public String summary() {
            return String.format(
                    Locale.ROOT,
                    "%d catalog operations (%d ok, %d refused %s, %d not sent, %d indeterminate),"
                            + " %d unexpected answers, final read %s; %s in %d ms",
                    operations,
                    acknowledged,
                    refused,
                    refusals,
                    notSent,
                    indeterminate,
                    unexpectedAnswers.size(),
                    finalRead,
                    explanation.strip(),
                    checkMillis);
        }

        @Override
        public String jsonFields() {
            return "\"operations\":" + operations + ",\"acknowledged\":" + acknowledged + ",\"refused\":" + refused
                    + ",\"notSent\":" + notSent + ",\"indeterminate\":" + indeterminate + ",\"refusals\":"
                    + Results.str(refusals.toString()) + ",\"unexpectedAnswers\":" + Results.list(unexpectedAnswers)
                    + ",\"finalRead\":"
                    + Results.str(finalRead) + ",\"linearizability\":" + Results.str(linearizability.name())
                    + ",\"configurations\":" + configurations + ",\"checkMillis\":" + checkMillis + ",\"explanation\":"
                    + Results.str(explanation);
        }
    }

    /**
     * After the faults healed: the final read, then the history's catalog operations through the
     * {@link LinearizabilityChecker} with the {@link CatalogModel}. UNKNOWN (the search bound) is
     * reported as such.
     */
    @Override
    public Verdict check(ChaosCluster c) throws InterruptedException {
        String finalRead = finalRead();
        History h = history(rec.ops());
        long t0 = System.nanoTime();
        LinearizabilityResult<CatalogModel.State> r = new LinearizabilityChecker<>(new CatalogModel()).check(h);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        int ok = 0;
        int refused = 0;
        int notSent = 0;
        Map<String, Integer> refusals = new TreeMap<>();
        for (Operation op : h.operations()) {
            switch (op.outcome()) {
                case Outcome.Ok o -> ok++;
                case Outcome.Fail f
                when f.error().isPresent() -> {
                    refused++;
                    refusals.merge(f.error().get(), 1, Integer::sum);
                }
                case Outcome.Fail f -> notSent++;
                case Outcome.Unknown u -> {}
            }
        }
        int operations = h.operations().size();
        List<String> listed = unexpected.stream().limit(UNEXPECTED_LISTED_MAX).toList();
        return new Verdict(
                operations,
                ok,
                refused,
                notSent,
                operations - ok - refused - notSent,
                refusals,
                listed,
                finalRead,
                r.verdict(),
                r.configurations(),
                ms,
                r.toString());
    }

    /** One more client reads the listing, up to a few times; what it read, or why it could not. */
    private String finalRead() throws InterruptedException {
        HttpClient http = http();
        try {
            String why = "";
            for (int attempt = 0; attempt < FINAL_READ_ATTEMPTS_MAX; attempt++) {
                List<String> names = perform(
                                http,
                                clients,
                                attempt,
                                new Call(
                                        CatalogOps.READ,
                                        CatalogOps.read(),
                                        "GET",
                                        "/v1/projects/" + PROJECT + "/branches?sizes=false",
                                        null))
                        .listed();
                if (names != null) {
                    return names.stream().sorted().toList().toString();
                }
                why = "none of " + (attempt + 1) + " attempts answered";
                Thread.sleep(1_000);
            }
            return why;
        } finally {
            http.close();
        }
    }

    /** The catalog operations of the run's events (the nemesis's left out), as a history. */
    static History history(List<Op> ops) {
        return History.of(ops.stream()
                .filter(o -> o.process() != Recorder.NEMESIS && FUNCTIONS.contains(o.f()))
                .toList());
    }

    @Override
    public String negativeControls(ChaosCluster c) {
        CatalogControl.Altered a =
                CatalogControl.dropListedBranch(history(rec.ops())).orElse(null);
        if (a == null) {
            return "negative control: no acknowledged read that must have listed a branch, so nothing to alter";
        }
        LinearizabilityResult<CatalogModel.State> r =
                new LinearizabilityChecker<>(new CatalogModel()).check(a.history());
        if (r.verdict() != LinearizabilityResult.Verdict.NOT_LINEARIZABLE) {
            return "negative control not caught: " + a.what() + "; the checker said " + r;
        }
        controlCaught = a.what() + ": rejected ("
                + r.failure().map(f -> "cannot place " + f.stuck()).orElse("") + ")";
        return "";
    }

    @Override
    public String negativeControlsCaught() {
        return controlCaught;
    }
}
