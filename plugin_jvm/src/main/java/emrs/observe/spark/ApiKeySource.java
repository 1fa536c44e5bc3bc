package emrs.observe.spark;

import emrs.observe.config.ObserveConfig;
import emrs.observe.datadog.ApiKeyHolder;
import emrs.observe.runtime.Warnings;
import emrs.observe.vault.Secret;
import emrs.observe.vault.TokenRenewer;
import emrs.observe.vault.VaultClient;
import emrs.observe.vault.VaultException;
import emrs.observe.vault.VaultLogin;
import emrs.observe.vault.VaultToken;
import java.util.Map;

/** Gets the Datadog API key: from Vault (KV v2) when configured, else from DD_API_KEY. */
final class ApiKeySource {
    private static final long MIN_REFRESH_MS = 5 * 60_000;
    private static TokenRenewer renewer;

    private ApiKeySource() {
    }

    static synchronized ApiKeyHolder fetch(ObserveConfig cfg, Map<String, String> env) throws VaultException {
        if (cfg.vaultAddr == null) {
            String key = env.get("DD_API_KEY");
            if (key == null || key.trim().isEmpty()) {
                throw new VaultException("no Datadog API key: set " + ObserveConfig.VAULT_ADDR + " and "
                        + ObserveConfig.VAULT_SECRET_PATH + " (or, outside EMR, the DD_API_KEY environment variable)");
            }
            return new ApiKeyHolder(new Secret(key.trim()), null, MIN_REFRESH_MS);
        }
        if (cfg.vaultSecretPath == null) {
            throw new VaultException(ObserveConfig.VAULT_SECRET_PATH + " is not set: the plugin cannot know which "
                    + "Vault secret holds the Datadog API key");
        }
        VaultClient client = VaultClient.connect(cfg, env);
        VaultLogin login = new VaultLogin(cfg, env, client);
        VaultToken token = login.login();
        Secret key = client.readKv2(token.token, cfg.vaultKvMount, cfg.vaultSecretPath, cfg.vaultSecretField);
        if (renewer != null) {
            renewer.close();
        }
        TokenRenewer r = new TokenRenewer(client, token, login::login,
                m -> Warnings.once("vault-renewal", m));
        renewer = r;
        return new ApiKeyHolder(key, () -> client.readKv2(r.current().token, cfg.vaultKvMount,
                cfg.vaultSecretPath, cfg.vaultSecretField), MIN_REFRESH_MS);
    }

    static synchronized void close() {
        if (renewer != null) {
            renewer.close();
            renewer = null;
        }
    }
}
