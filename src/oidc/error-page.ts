// The HTML of the pages oidc-provider renders itself, from the pages the app provides (same look as login).
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { ProviderPages } from './environment.js';

export function providerPageRenderers(pages: ProviderPages) {
  return {
    renderError: async (ctx: KoaContextWithOIDC, out: { error: string; error_description?: string }) => {
      ctx.type = 'html';
      ctx.body = pages.error(out.error, out.error_description);
    },
    logoutSource: async (ctx: KoaContextWithOIDC, form: string) => {
      ctx.type = 'html';
      ctx.body = pages.logout(form, ctx.oidc.client?.clientName);
    },
    postLogoutSuccessSource: async (ctx: KoaContextWithOIDC) => {
      ctx.type = 'html';
      ctx.body = pages.loggedOut(ctx.oidc.client?.clientName);
    },
  };
}
