package emrs.observe.datadog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import emrs.observe.datadog.RetryPolicy.Verdict;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {
    @Test
    void retriesNetworkErrorsTimeoutsThrottlingAndServerErrors() {
        for (int status : new int[] {0, 408, 429, 500, 502, 503, 504}) {
            assertEquals(Verdict.RETRY, RetryPolicy.classify(status), "status " + status);
        }
    }

    @Test
    void neverRetriesWhatWillFailAgain() {
        for (int status : new int[] {400, 401, 403, 404, 413}) {
            assertEquals(Verdict.GIVE_UP, RetryPolicy.classify(status), "status " + status);
        }
        assertEquals(Verdict.DONE, RetryPolicy.classify(202));
    }

    @Test
    void backoffGrowsExponentiallyWithJitterUpToTheMax() {
        RetryPolicy p = new RetryPolicy(5, 100, 1_000);
        long[] ceilings = {100, 200, 400, 800, 1_000, 1_000};
        for (int retry = 1; retry <= ceilings.length; retry++) {
            long max = 0;
            long min = Long.MAX_VALUE;
            for (int i = 0; i < 2_000; i++) {
                long d = p.delayMs(retry, 0);
                max = Math.max(max, d);
                min = Math.min(min, d);
                assertTrue(d >= 0 && d <= ceilings[retry - 1], "retry " + retry + " waited " + d);
            }
            assertTrue(max > ceilings[retry - 1] / 2, "jitter never reaches the upper half at retry " + retry);
            assertTrue(min < ceilings[retry - 1] / 2, "jitter never reaches the lower half at retry " + retry);
        }
    }

    @Test
    void retryAfterIsHonouredButCapped() {
        RetryPolicy p = new RetryPolicy(5, 10, 2_000);
        assertTrue(p.delayMs(1, 1_500) >= 1_500);
        assertTrue(p.delayMs(1, 60_000) <= 2_000);
    }

    @Test
    void countsRetries() {
        RetryPolicy p = new RetryPolicy(2, 1, 1);
        assertTrue(p.allows(2));
        assertFalse(p.allows(3));
    }
}
