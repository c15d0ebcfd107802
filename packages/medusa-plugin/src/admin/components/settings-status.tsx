import { Alert, Button, Heading, Text } from '@medusajs/ui';
import type { AlipaySettingsAdminView } from '../../shared/settings-fields';
import { both, say } from '../lib/messages';
import type { CredentialResult } from '../lib/settings-api';

/** Props of {@link SettingsStatus}. */
export interface SettingsStatusProps {
  view: AlipaySettingsAdminView;
  /** The answer of the last "Test credentials", if any. */
  credentials: CredentialResult | null;
  busy: boolean;
  onTestCredentials: () => void;
  onSave: () => void;
}

/**
 * The head of Settings → Alipay and the health of the setup: the page's actions, whether secrets can
 * be stored (the encryption secret), the last credential test and the URLs to give Alipay.
 */
export function SettingsStatus({ view, credentials, busy, onTestCredentials, onSave }: SettingsStatusProps) {
  return (
    <>
      <div className="flex items-center justify-between px-6 py-4">
        <div>
          <Heading level="h1">{say('title')}</Heading>
          <Text size="small" className="text-ui-fg-subtle">
            {say('encryptedNote')}
          </Text>
        </div>
        <div className="flex gap-x-2">
          <Button variant="secondary" size="small" onClick={onTestCredentials} isLoading={busy}>
            {say('testCredentials')}
          </Button>
          <Button size="small" onClick={onSave} isLoading={busy}>
            {say('save')}
          </Button>
        </div>
      </div>

      {view.encryption.problem && (
        <div className="px-6 py-4">
          <Alert variant="warning">{view.encryption.problem}</Alert>
        </div>
      )}

      {credentials && (
        <div className="px-6 py-4" data-testid="alipay-credential-result">
          <Alert variant={credentials.ok ? 'success' : 'error'} dismissible>
            {say(credentials.ok ? 'credentialsWork' : 'credentialsRefused')} ({credentials.code}):{' '}
            {both(credentials.message)}
          </Alert>
        </div>
      )}

      {(view.providers ?? []).map(provider => (
        <div key={provider.id} className="flex flex-col gap-y-1 px-6 py-4">
          <Text size="small" weight="plus">
            {say('notifyUrl')} ({provider.id})
          </Text>
          <Text size="small" className="font-mono" data-testid="alipay-notify-url">
            {provider.notifyUrl}
          </Text>
          <Text size="xsmall" className="text-ui-fg-subtle">
            {say('notifyUrlHint')}
          </Text>
        </div>
      ))}
    </>
  );
}
