// Push rules (client-server-api, "Push Rules: API"): the global ruleset, one rule, and a rule's enabled
// flag and actions. matrix-js-sdk reads GET /pushrules/ before its first /sync.
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app.js';
import { authenticate } from '../../http/auth.js';
import { clientPaths } from './paths.js';
import { objectBody, queryOf, stringParam } from './params.js';

type Rule = { Params: { kind: string; ruleId: string } };

export async function pushRuleRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const { pushRules } = deps;

  for (const url of clientPaths('/pushrules/')) {
    // GET /_matrix/client/v3/pushrules/
    app.get(url, async (request) => {
      const { userId } = await authenticate(request, deps);
      return { global: await pushRules.ruleset(userId) };
    });
  }

  for (const url of clientPaths('/pushrules/global/')) {
    // GET /_matrix/client/v3/pushrules/global/
    app.get(url, async (request) => {
      const { userId } = await authenticate(request, deps);
      return pushRules.ruleset(userId);
    });
  }

  for (const url of clientPaths('/pushrules/global/:kind/:ruleId')) {
    // GET /_matrix/client/v3/pushrules/global/{kind}/{ruleId}
    app.get<Rule>(url, async (request) => {
      const { userId } = await authenticate(request, deps);
      return pushRules.rule(userId, request.params.kind, request.params.ruleId);
    });

    // PUT /_matrix/client/v3/pushrules/global/{kind}/{ruleId}
    app.put<Rule>(url, async (request) => {
      const { userId } = await authenticate(request, deps);
      const query = queryOf(request);
      await pushRules.putRule(userId, request.params.kind, request.params.ruleId, objectBody(request), {
        before: stringParam(query, 'before'),
        after: stringParam(query, 'after'),
      });
      return {};
    });

    // DELETE /_matrix/client/v3/pushrules/global/{kind}/{ruleId}
    app.delete<Rule>(url, async (request) => {
      const { userId } = await authenticate(request, deps);
      await pushRules.deleteRule(userId, request.params.kind, request.params.ruleId);
      return {};
    });
  }

  for (const url of clientPaths('/pushrules/global/:kind/:ruleId/enabled')) {
    // GET /_matrix/client/v3/pushrules/global/{kind}/{ruleId}/enabled
    app.get<Rule>(url, async (request) => {
      const { userId } = await authenticate(request, deps);
      return pushRules.enabled(userId, request.params.kind, request.params.ruleId);
    });

    // PUT /_matrix/client/v3/pushrules/global/{kind}/{ruleId}/enabled
    app.put<Rule>(url, async (request) => {
      const { userId } = await authenticate(request, deps);
      const { kind, ruleId } = request.params;
      await pushRules.setEnabled(userId, kind, ruleId, objectBody(request));
      return {};
    });
  }

  for (const url of clientPaths('/pushrules/global/:kind/:ruleId/actions')) {
    // GET /_matrix/client/v3/pushrules/global/{kind}/{ruleId}/actions
    app.get<Rule>(url, async (request) => {
      const { userId } = await authenticate(request, deps);
      return pushRules.actions(userId, request.params.kind, request.params.ruleId);
    });

    // PUT /_matrix/client/v3/pushrules/global/{kind}/{ruleId}/actions
    app.put<Rule>(url, async (request) => {
      const { userId } = await authenticate(request, deps);
      const { kind, ruleId } = request.params;
      await pushRules.setActions(userId, kind, ruleId, objectBody(request));
      return {};
    });
  }
}
