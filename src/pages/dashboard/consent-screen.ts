// Dashboard › Consents › Consent screen: what the consent page of an authorization in progress shows
// (GetConsentDetails), looked up by its interaction id, the <uid> of <issuer>/interaction/<uid>.
import type { FastifyInstance } from 'fastify';
import { attempt, type Dashboard } from './context.js';

export function consentScreenRoutes(app: FastifyInstance, ui: Dashboard): void {
  app.get<{ Querystring: { interaction_id?: string } }>('/dashboard/consents/screen', async (request, reply) => {
    const interactionId = (request.query.interaction_id ?? '').trim();
    const result = interactionId ? await attempt(() => ui.management.consents.consentScreen(interactionId)) : undefined;
    if (result?.problem) reply.code(result.problem.status);
    return ui.render(request, reply, 'consents', 'consent-screen', {
      title: 'Consent screen',
      interactionId,
      ...(result?.problem ? { problem: result.problem } : {}),
      ...(result && !result.problem ? { screen: result.ok } : {}),
    });
  });
}
