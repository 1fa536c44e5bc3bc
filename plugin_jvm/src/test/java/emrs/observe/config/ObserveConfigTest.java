package emrs.observe.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ObserveConfigTest {
    private static ObserveConfig parse(String... kv) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(ObserveConfig.PREFIX + kv[i], kv[i + 1]);
        }
        return ObserveConfig.parse(m);
    }

    private static boolean said(ObserveConfig c, String text) {
        return c.problems.stream().anyMatch(p -> p.contains(text));
    }

    @Test
    void defaultsWithNothingSet() {
        ObserveConfig c = parse();
        assertEquals("https://http-intake.logs.datadoghq.com/api/v2/logs", c.datadogUrl);
        assertEquals(32L << 20, c.bufferMaxBytes);
        assertEquals(10_000, c.shutdownTimeoutMs);
        assertEquals("aws", c.vaultAuthMethod);
        assertEquals("secret", c.vaultKvMount);
        assertEquals("api_key", c.vaultSecretField);
        assertFalse(c.failOnError);
        assertTrue(c.problems.isEmpty(), c.problems.toString());
    }

    @Test
    void metricsAreOffUnlessEnabledAndTheirEndpointFollowsTheSite() {
        ObserveConfig c = parse();
        assertFalse(c.metricsEnabled);
        assertEquals(15_000, c.metricsIntervalMs);
        assertEquals("https://api.datadoghq.com/api/v2/series", c.datadogMetricsUrl);
        ObserveConfig eu = parse("datadog.site", "datadoghq.eu", "metrics.enabled", "true", "metrics.intervalMs", "30s",
                "datadog.url", "http://proxy:8080/logs");
        assertTrue(eu.metricsEnabled);
        assertEquals(30_000, eu.metricsIntervalMs);
        assertEquals("https://api.datadoghq.eu/api/v2/series", eu.datadogMetricsUrl);
        ObserveConfig proxied = parse("datadog.metricsUrl", "http://127.0.0.1:9/api/v2/series/");
        assertEquals("http://127.0.0.1:9/api/v2/series", proxied.datadogMetricsUrl);
        ObserveConfig bad = parse("metrics.intervalMs", "50ms", "metrics.enabled", "maybe");
        assertEquals(15_000, bad.metricsIntervalMs);
        assertFalse(bad.metricsEnabled);
        assertTrue(said(bad, "spark.emrs.observe.metrics.intervalMs='50ms' is outside"), bad.problems.toString());
        assertTrue(said(bad, "spark.emrs.observe.metrics.enabled='maybe' is not a boolean"), bad.problems.toString());
    }

    @Test
    void siteAndUnitsAreRead() {
        ObserveConfig c = parse("datadog.site", "datadoghq.eu", "datadog.bufferMaxBytes", "8m",
                "datadog.shutdownTimeoutMs", "3s", "tags", "team:data, env=prod", "log.packages", "a.b, c",
                "vault.kvMount", "/kv/", "failOnError", "TRUE");
        assertEquals("https://http-intake.logs.datadoghq.eu/api/v2/logs", c.datadogUrl);
        assertEquals(8L << 20, c.bufferMaxBytes);
        assertEquals(3_000, c.shutdownTimeoutMs);
        assertEquals("data", c.tags.get("team"));
        assertEquals("prod", c.tags.get("env"));
        assertEquals(2, c.logPackages.size());
        assertEquals("kv", c.vaultKvMount);
        assertTrue(c.failOnError);
    }

    @Test
    void urlOverridesSite() {
        assertEquals("http://127.0.0.1:1/api/v2/logs",
                parse("datadog.site", "datadoghq.eu", "datadog.url", "http://127.0.0.1:1/api/v2/logs/").datadogUrl);
    }

    @Test
    void badValuesAreNamedAndDefaultsUsed() {
        ObserveConfig c = parse("datadog.bufferMaxBytes", "lots", "datadog.shutdownTimeoutMs", "soon",
                "datadog.maxRetries", "1000", "failOnError", "maybe", "vault.authMethod", "kerberos",
                "tags", "good:1,bad", "datadog.flushIntervalMs", "-5");
        assertEquals(ObserveConfig.DEFAULT_BUFFER_MAX_BYTES, c.bufferMaxBytes);
        assertEquals(10_000, c.shutdownTimeoutMs);
        assertEquals(5, c.maxRetries);
        assertFalse(c.failOnError);
        assertEquals("aws", c.vaultAuthMethod);
        assertEquals(1, c.tags.size());
        assertTrue(said(c, "spark.emrs.observe.datadog.bufferMaxBytes='lots' is not a byte size"), c.problems.toString());
        assertTrue(said(c, "spark.emrs.observe.datadog.shutdownTimeoutMs='soon' is not a duration"));
        assertTrue(said(c, "spark.emrs.observe.datadog.maxRetries='1000' is outside 0..100; using the default 5"));
        assertTrue(said(c, "spark.emrs.observe.failOnError='maybe' is not a boolean"));
        assertTrue(said(c, "spark.emrs.observe.vault.authMethod='kerberos' is not one of aws, approle, token"));
        assertTrue(said(c, "entry 'bad' is not name:value"));
        assertTrue(said(c, "spark.emrs.observe.datadog.flushIntervalMs='-5'"));
    }

    @Test
    void vaultWithoutSecretPathOrRoleIsReported() {
        ObserveConfig c = parse("vault.addr", "https://vault:8200", "vault.authMethod", "approle");
        assertTrue(said(c, "spark.emrs.observe.vault.secretPath is not set"));
        assertTrue(said(c, "spark.emrs.observe.vault.authRole is not set"));
    }

    @Test
    void byteSizes() {
        assertEquals(1024L, ConfigReader.parseBytes("1k"));
        assertEquals(32L << 20, ConfigReader.parseBytes("32MB"));
        assertEquals(1L << 30, ConfigReader.parseBytes("1g"));
        assertEquals(123L, ConfigReader.parseBytes("123"));
        assertEquals(null, ConfigReader.parseBytes("12q"));
    }
}
