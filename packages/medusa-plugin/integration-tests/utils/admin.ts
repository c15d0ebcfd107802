import type { MedusaContainer } from '@medusajs/framework/types';
import { ContainerRegistrationKeys, Modules } from '@medusajs/framework/utils';

/** Minimal axios surface the test runner's `api` client offers. */
interface ApiClient {
  post(url: string, body?: unknown): Promise<{ data: { token?: string } }>;
}

/**
 * Creates an admin user the way `medusa user -e … -p …` does (user row + emailpass auth identity
 * linked through `app_metadata.user_id`), then logs in through `POST /auth/user/emailpass` like the
 * dashboard. With Medusa's RBAC on, the user gets `roleIds` before the login, so that the token carries
 * them. Returns the user's ID and the headers of its authenticated admin requests.
 */
export async function createAdminUser(
  container: MedusaContainer,
  api: ApiClient,
  {
    email = 'admin@alipay-commerce.test',
    password = 'integration-tests-password',
    roleIds = [] as string[],
  } = {},
): Promise<{ headers: { authorization: string }; userId: string }> {
  const userModule = container.resolve(Modules.USER);
  const authModule = container.resolve(Modules.AUTH);
  const user = await userModule.createUsers({ email });
  const { authIdentity, error } = await authModule.register('emailpass', {
    body: { email, password },
  } as Parameters<typeof authModule.register>[1]);
  if (error || !authIdentity) throw new Error(`Could not register the admin identity: ${error}`);
  await authModule.updateAuthIdentities({ id: authIdentity.id, app_metadata: { user_id: user.id } });
  const link = container.resolve(ContainerRegistrationKeys.LINK);
  for (const roleId of roleIds) {
    await link.create({ [Modules.USER]: { user_id: user.id }, [Modules.RBAC]: { rbac_role_id: roleId } });
  }
  const { data } = await api.post('/auth/user/emailpass', { email, password });
  if (!data.token) throw new Error('Login returned no token');
  return { headers: { authorization: `Bearer ${data.token}` }, userId: user.id };
}
