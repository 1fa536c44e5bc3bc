package emrs.observe.vault;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Keeps the Vault token alive for jobs that run longer than its TTL: renews at two thirds of
 * the lease, and logs in again when the token cannot be renewed any more (max TTL reached).
 */
public final class TokenRenewer implements AutoCloseable {
    private final VaultClient client;
    private final Relogin relogin;
    private final Consumer<String> warn;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "emrs-observe-vault-renewer");
        t.setDaemon(true);
        return t;
    });
    private volatile VaultToken current;

    /** A fresh login, used when renewal is refused. */
    public interface Relogin {
        VaultToken login() throws VaultException;
    }

    public TokenRenewer(VaultClient client, VaultToken token, Relogin relogin, Consumer<String> warn) {
        this.client = client;
        this.current = token;
        this.relogin = relogin;
        this.warn = warn;
        schedule(token);
    }

    public VaultToken current() {
        return current;
    }

    private void schedule(VaultToken token) {
        if (token.leaseSeconds <= 0) {
            return; // a root or periodic-less token that never expires: nothing to do
        }
        long delayMs = Math.max(1_000, token.leaseSeconds * 1000 * 2 / 3);
        timer.schedule(this::renew, delayMs, TimeUnit.MILLISECONDS);
    }

    private void renew() {
        VaultToken next;
        try {
            next = current.renewable ? client.renewSelf(current.token) : relogin.login();
            if (current.renewable && next.leaseSeconds > 0 && next.leaseSeconds < current.leaseSeconds / 3) {
                next = relogin.login(); // the renewal was capped by the max TTL: start over
            }
        } catch (VaultException e) {
            warn.accept("Vault token renewal failed: " + e.getMessage() + "; retrying in 30s");
            timer.schedule(this::renew, 30, TimeUnit.SECONDS);
            return;
        }
        current = next;
        schedule(next);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
