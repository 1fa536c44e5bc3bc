package emrs.observe.vault;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import emrs.observe.aws.AwsCredentialSource;
import emrs.observe.aws.AwsRequestSigner;
import emrs.observe.aws.StsEndpoints;
import emrs.observe.config.ObserveConfig;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Clock;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsCredentials;

/**
 * Logs in to Vault with the configured method. Credentials come from the environment or files,
 * never from SparkConf, because SparkConf is shown in the Spark UI and written to the event log.
 */
public final class VaultLogin {
    static final String STS_BODY = "Action=GetCallerIdentity&Version=2011-06-15";

    private final ObserveConfig cfg;
    private final Map<String, String> env;
    private final VaultClient client;

    public VaultLogin(ObserveConfig cfg, Map<String, String> env, VaultClient client) {
        this.cfg = cfg;
        this.env = env;
        this.client = client;
    }

    public VaultToken login() throws VaultException {
        switch (cfg.vaultAuthMethod) {
            case "token":
                return client.lookupSelf(tokenFromOutside());
            case "approle":
                return appRole();
            default:
                return aws();
        }
    }

    private Secret tokenFromOutside() throws VaultException {
        String token = env.get("VAULT_TOKEN");
        if (token != null && !token.trim().isEmpty()) {
            return new Secret(token.trim());
        }
        Path file = cfg.vaultTokenFile != null ? Paths.get(cfg.vaultTokenFile)
                : Paths.get(System.getProperty("user.home", "."), ".vault-token");
        String fromFile = readFile(file, ObserveConfig.VAULT_TOKEN_FILE);
        if (fromFile == null) {
            throw new VaultException("Vault token login: no token in the VAULT_TOKEN environment variable nor in "
                    + file + " (" + ObserveConfig.VAULT_TOKEN_FILE + ")");
        }
        return new Secret(fromFile);
    }

    private VaultToken appRole() throws VaultException {
        String secretId = env.get("VAULT_SECRET_ID");
        if (secretId == null || secretId.trim().isEmpty()) {
            secretId = cfg.vaultSecretIdFile == null ? null
                    : readFile(Paths.get(cfg.vaultSecretIdFile), ObserveConfig.VAULT_SECRET_ID_FILE);
        }
        ObjectNode body = VaultClient.JSON.createObjectNode();
        body.put("role_id", cfg.vaultAuthRole);
        if (secretId != null && !secretId.trim().isEmpty()) {
            body.put("secret_id", secretId.trim());
        }
        return client.login(cfg.vaultAuthMount, body, "Vault AppRole login (role_id from "
                + ObserveConfig.VAULT_AUTH_ROLE + ")");
    }

    private VaultToken aws() throws VaultException {
        AwsCredentials creds;
        try {
            creds = AwsCredentialSource.resolve();
        } catch (IOException e) {
            throw new VaultException("Vault AWS IAM login: " + e.getMessage(), e);
        }
        String endpoint = cfg.vaultAwsStsEndpoint != null ? cfg.vaultAwsStsEndpoint
                : StsEndpoints.forRegion(cfg.vaultAwsRegion);
        ObjectNode body = awsLoginBody(cfg.vaultAuthRole, endpoint, cfg.vaultAwsRegion,
                cfg.vaultAwsServerIdHeader, creds, Clock.systemUTC());
        return client.login(cfg.vaultAuthMount, body, "Vault AWS IAM login (role " + cfg.vaultAuthRole
                + ", credentials from " + AwsCredentialSource.source(creds) + ")");
    }

    /**
     * The body Vault's AWS auth method expects: a signed sts:GetCallerIdentity request that Vault
     * replays to STS to learn who we are. The server-id header, when configured, is part of the
     * signature so the request cannot be replayed against another Vault.
     */
    public static ObjectNode awsLoginBody(String role, String stsEndpoint, String region, String serverId,
            AwsCredentials creds, Clock clock) {
        URI uri = URI.create(stsEndpoint + "/");
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
        if (serverId != null) {
            headers.put("X-Vault-AWS-IAM-Server-ID", serverId);
        }
        byte[] payload = STS_BODY.getBytes(StandardCharsets.UTF_8);
        Map<String, String> signed = new AwsRequestSigner(region, "sts", true)
                .sign("POST", uri, headers, payload, creds, clock);

        ObjectNode hdrs = VaultClient.JSON.createObjectNode();
        for (Map.Entry<String, String> h : signed.entrySet()) {
            ArrayNode values = hdrs.putArray(h.getKey());
            values.add(h.getValue());
        }
        Base64.Encoder b64 = Base64.getEncoder();
        ObjectNode body = VaultClient.JSON.createObjectNode();
        if (role != null) {
            body.put("role", role);
        }
        body.put("iam_http_request_method", "POST");
        body.put("iam_request_url", b64.encodeToString(uri.toString().getBytes(StandardCharsets.UTF_8)));
        body.put("iam_request_body", b64.encodeToString(payload));
        body.put("iam_request_headers", b64.encodeToString(hdrs.toString().getBytes(StandardCharsets.UTF_8)));
        return body;
    }

    private static String readFile(Path file, String key) throws VaultException {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            String s = new String(Files.readAllBytes(file), StandardCharsets.UTF_8).trim();
            return s.isEmpty() ? null : s;
        } catch (IOException e) {
            throw new VaultException("cannot read " + file + " (" + key + "): " + VaultClient.describe(e), e);
        }
    }
}
