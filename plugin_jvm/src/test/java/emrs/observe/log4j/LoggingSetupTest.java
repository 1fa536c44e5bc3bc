package emrs.observe.log4j;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.ConfigurationSource;
import org.apache.logging.log4j.core.config.properties.PropertiesConfigurationFactory;
import org.junit.jupiter.api.Test;

class LoggingSetupTest {
    private static Configuration parse(String properties) throws Exception {
        LoggerContext ctx = new LoggerContext("test");
        ConfigurationSource source = new ConfigurationSource(
                new ByteArrayInputStream(properties.getBytes(StandardCharsets.UTF_8)));
        Configuration config = new PropertiesConfigurationFactory().getConfiguration(ctx, source);
        config.initialize();
        return config;
    }

    private static final String JOB_CONFIG = "appender.console.type = Console\n"
            + "appender.console.name = console\n"
            + "rootLogger.level = info\n"
            + "rootLogger.appenderRef.console.ref = console\n"
            + "logger.quiet.name = emrs.quiet\n"
            + "logger.quiet.additivity = false\n"
            + "logger.quiet.appenderRef.console.ref = console\n"
            + "logger.loud.name = emrs.loud\n"
            + "logger.loud.level = debug\n";

    @Test
    void ourAppenderGoesOnTheRootAndOnLoggersWithoutAdditivityOnce() throws Exception {
        Configuration config = parse(JOB_CONFIG);
        assertTrue(LoggingSetup.attach(config), "a configuration without it gets it");
        Appender ours = config.getRootLogger().getAppenders().get(DatadogAppender.PLUGIN_NAME);
        assertTrue(ours instanceof DatadogAppender && ours.isStarted());
        assertSame(ours, config.getLoggerConfig("emrs.quiet").getAppenders().get(DatadogAppender.PLUGIN_NAME));
        // An additive logger reaches the root's appender: a second copy there would ship its lines twice.
        assertFalse(config.getLoggerConfig("emrs.loud").getAppenders().containsKey(DatadogAppender.PLUGIN_NAME));
        assertFalse(LoggingSetup.attach(config), "attaching again adds nothing (updateLoggers fires the listener)");
    }

    @Test
    void aConfigurationThatDeclaresEmrsDatadogIsLeftAsItsAuthorPlacedIt() throws Exception {
        Configuration config = parse("appender.dd.type = EmrsDatadog\n"
                + "appender.dd.name = datadog\n"
                + "logger.quiet.name = emrs.quiet\n"
                + "logger.quiet.additivity = false\n"
                + "logger.quiet.appenderRef.dd.ref = datadog\n"
                + "rootLogger.level = info\n");
        assertFalse(LoggingSetup.attach(config));
        assertTrue(config.getRootLogger().getAppenders().isEmpty());
    }
}
