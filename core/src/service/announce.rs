//! Announcement services (SPEC.md Announcements).

use super::Guildhall;
use crate::announce::rules::{self as rules, candidates};
use crate::announce::{
    AudienceKind, FireRequest, Location, Message, MessageKind, Template, Trigger,
};
use crate::ctx::Ctx;
use crate::error::{Error, Result};
use crate::ports::ChangeSet;
use crate::types::{check_text, PlayerId};
use serde_json::json;
use std::collections::HashMap;

impl Guildhall {
    /// Inserts or replaces a template. A replacement is checked against the triggers that
    /// use it, as creating them was (SPEC.md: variables cover the template's
    /// placeholders): a body with a placeholder some trigger (not cancelled) does not
    /// cover is refused and nothing changes. Errors: `INVALID_ARGUMENT` (id, body,
    /// placeholders; for uncovered ones the message names each trigger and
    /// `details.triggers` lists `{id, missing}`).
    pub async fn put_template(&self, t: Template) -> Result<Template> {
        let segments = rules::check_template(&t)?;
        let users: Vec<Trigger> = self
            .store
            .triggers(None)
            .await?
            .into_iter()
            .filter(|tr| tr.template_id == t.id)
            .collect();
        rules::check_template_users(&t, &segments, &users)?;
        self.commit_changes(ChangeSet {
            templates: vec![t.clone()],
            ..Default::default()
        })
        .await?;
        Ok(t)
    }

    /// One template. Errors: `NOT_FOUND`.
    pub async fn template(&self, id: &str) -> Result<Template> {
        self.store
            .template(id)
            .await?
            .ok_or_else(|| Error::not_found("template", id))
    }

    /// Every template, by id.
    pub async fn templates(&self) -> Result<Vec<Template>> {
        self.store.templates().await
    }

    /// Inserts or replaces a trigger; rejected when its variables do not cover its
    /// template's placeholders (SPEC.md). A new trigger's `created_at` is now; a replaced
    /// one keeps its own. Errors: `INVALID_ARGUMENT`, `NOT_FOUND` (template).
    pub async fn put_trigger(&self, mut t: Trigger) -> Result<Trigger> {
        check_text("template_id", &t.template_id, 1, 128)?;
        let template = self.template(&t.template_id).await?;
        rules::check_trigger(&t, &template)?;
        check_text("id", &t.id, 1, 128)?;
        t.created_at = match self.store.trigger(&t.id).await? {
            Some(old) => old.created_at,
            None => self.clock.now(),
        };
        self.commit_changes(ChangeSet {
            triggers: vec![t.clone()],
            ..Default::default()
        })
        .await?;
        Ok(t)
    }

    /// Cancels a trigger: it never fires again. Errors: `NOT_FOUND`.
    pub async fn cancel_trigger(&self, id: &str) -> Result<Trigger> {
        let mut t = self.trigger(id).await?;
        t.cancelled = true;
        self.commit_changes(ChangeSet {
            triggers: vec![t.clone()],
            ..Default::default()
        })
        .await?;
        Ok(t)
    }

    /// One trigger. Errors: `NOT_FOUND`.
    pub async fn trigger(&self, id: &str) -> Result<Trigger> {
        self.store
            .trigger(id)
            .await?
            .ok_or_else(|| Error::not_found("trigger", id))
    }

    /// Every trigger, by id.
    pub async fn triggers(&self) -> Result<Vec<Trigger>> {
        self.store.triggers(None).await
    }

    /// Renders a template with variables without storing anything (a preview).
    /// Errors: `INVALID_ARGUMENT` (bad template), `NOT_FOUND`.
    pub async fn preview(
        &self,
        template_id: &str,
        variables: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<String> {
        let t = self.template(template_id).await?;
        Ok(rules::render(&rules::check_template(&t)?, variables))
    }

    /// Fires an event for a player (SPEC.md Announcements): the messages of the live,
    /// matching triggers whose cap is not used up, rendered, highest priority first then
    /// oldest; sends are counted in the same commit. Kind `mail` goes to the mailbox,
    /// others become `announcement` events. The location is the request's, else the
    /// player's session's. Errors: `INVALID_ARGUMENT` (event name).
    pub async fn fire(&self, req: FireRequest) -> Result<Vec<Message>> {
        check_text("event", &req.event, 1, 64)?;
        let loc = match &req.location {
            Some(l) => l.clone(),
            None => self
                .session(&req.player)
                .await?
                .map(|s| s.location)
                .unwrap_or_default(),
        };
        self.fire_at(&req, &loc, None).await
    }

    /// Fires with a known location, optionally only for triggers of one audience kind.
    async fn fire_at(
        &self,
        req: &FireRequest,
        loc: &Location,
        only: Option<AudienceKind>,
    ) -> Result<Vec<Message>> {
        let triggers = &self.store.triggers(Some(&req.event)).await?;
        self.retrying("fire", |ctx: Ctx| {
            Box::pin(async move {
                let picked: Vec<Trigger> = candidates(triggers, req, loc, ctx.now)
                    .into_iter()
                    .filter(|t| only.is_none_or(|k| t.audience == k))
                    .cloned()
                    .collect();
                if picked.is_empty() {
                    return Ok((ChangeSet::default(), Vec::new()));
                }
                let mut templates = HashMap::new();
                let mut counters = HashMap::new();
                for t in &picked {
                    if !templates.contains_key(&t.template_id) {
                        if let Some(tpl) = self.store.template(&t.template_id).await? {
                            templates.insert(t.template_id.clone(), tpl);
                        }
                    }
                    if let Some((period, _, _)) =
                        rules::period(t.cap, ctx.now, self.config.reset_timezone)
                    {
                        let key = rules::cap_counter_key(&t.id, req.player.as_str(), &period);
                        let row = self.store.counter(&key).await?;
                        counters.insert(key, row);
                    }
                }
                let mut cs = ChangeSet::default();
                let picked: Vec<&Trigger> = picked.iter().collect();
                let messages = if picked.iter().any(|t| t.kind == MessageKind::Mail) {
                    let mut b = self.load_box(&req.player, &[]).await?;
                    let msgs = rules::fire(
                        &self.config,
                        &ctx,
                        req,
                        &picked,
                        &templates,
                        &counters,
                        Some((&mut b.state, &mut b.holdings)),
                        &mut cs,
                    )?;
                    b.holdings.finish(&ctx, &mut cs);
                    b.state.finish(&mut cs);
                    msgs
                } else {
                    rules::fire(
                        &self.config,
                        &ctx,
                        req,
                        &picked,
                        &templates,
                        &counters,
                        None,
                        &mut cs,
                    )?
                };
                Ok((cs, messages))
            })
        })
        .await
    }

    /// Pushes the live triggers of event `online` with the given audience kind to every
    /// player connected there (the scheduler calls this every lobby / room interval).
    /// Caps apply per player. Returns how many messages went out.
    pub async fn push_scheduled_audience(&self, kind: AudienceKind) -> Result<usize> {
        let now = self.clock.now();
        let mut sent = 0;
        for s in self.placed(self.coordinator.sessions(now).await?).await? {
            let here = match kind {
                AudienceKind::Lobby => s.location.lobby.is_some(),
                AudienceKind::Room => s.location.room.is_some(),
                AudienceKind::Server => s.location.server.is_some(),
                AudienceKind::Party => s.location.party.is_some(),
                AudienceKind::Player => true,
            };
            if !here {
                continue;
            }
            let req = FireRequest {
                player: s.player.clone(),
                event: "online".into(),
                location: None,
                variables: Default::default(),
            };
            sent += self.fire_at(&req, &s.location, Some(kind)).await?.len();
        }
        Ok(sent)
    }

    /// Sends every scheduled trigger (`send_at` reached, not sent, live) once, and marks
    /// it sent in the same commit (a guarded `scheduled:<id>` counter, so once across
    /// hosts). Kind `mail` stores one broadcast mail (SPEC.md: kind `mail` goes to the
    /// mailbox; recipients as [`rules::scheduled_mail_recipients`]); the other kinds are
    /// an `announcement` event to the players of its audience connected now.
    /// Returns the triggers sent.
    pub async fn send_due_triggers(&self) -> Result<Vec<String>> {
        let now = self.clock.now();
        let due: Vec<Trigger> = self
            .store
            .triggers(None)
            .await?
            .into_iter()
            .filter(|t| {
                t.send_at.is_some_and(|at| at <= now)
                    && t.sent_at.is_none()
                    && !t.cancelled
                    && t.ends_at.is_none_or(|e| now < e)
            })
            .collect();
        if due.is_empty() {
            return Ok(Vec::new());
        }
        let sessions = self.placed(self.coordinator.sessions(now).await?).await?;
        let mut sent = Vec::new();
        for mut t in due {
            let Some(template) = self.store.template(&t.template_id).await? else {
                continue;
            };
            let text = rules::render(&rules::parse(&template.body)?, &t.variables);
            let players: Vec<PlayerId> = sessions
                .iter()
                .filter(|s| rules::audience_matches(&t, s.player.as_str(), &s.location))
                .map(|s| s.player.clone())
                .collect();
            let ctx = Ctx::new(&self.config, now, self.ids.clone());
            t.sent_at = Some(now);
            let msg = Message {
                trigger_id: t.id.clone(),
                kind: t.kind,
                audience: t.audience,
                target: t.target.clone(),
                priority: t.priority,
                text,
                mail_id: None,
            };
            let (events, broadcasts, recipients) = if t.kind == MessageKind::Mail {
                let online: Vec<(PlayerId, Location)> = sessions
                    .iter()
                    .map(|s| (s.player.clone(), s.location.clone()))
                    .collect();
                match rules::scheduled_mail_recipients(&t, &online) {
                    Some(r) if r.is_empty() => (vec![], vec![], 0),
                    r => {
                        let n = r.as_ref().map_or(0, Vec::len);
                        (
                            vec![],
                            vec![rules::scheduled_mail(&ctx, &t, &msg.text, r)],
                            n,
                        )
                    }
                }
            } else {
                let event = ctx.event(
                    "announcement",
                    players.clone(),
                    json!({ "scheduled": true, "message": msg, "recipients": players.len() }),
                );
                (vec![event], vec![], players.len())
            };
            // The guarded `scheduled:<id>` counter makes the send happen once, however many
            // hosts or calls race for it.
            let once = crate::ports::CounterWrite {
                key: format!("scheduled:{}", t.id),
                expected_version: 0,
                count: 1,
                expires_at: now + chrono::Duration::days(365 * 100),
            };
            let cs = ChangeSet {
                triggers: vec![t.clone()],
                events,
                broadcasts,
                counters: vec![once],
                ..Default::default()
            };
            if !self.commit_quietly("scheduled_trigger", cs).await? {
                continue;
            }
            tracing::info!(trigger = %t.id, kind = ?t.kind, recipients, "scheduled trigger sent");
            sent.push(t.id);
        }
        Ok(sent)
    }

    /// Takes or renews the coordinator lease `name` for `holder` for `ttl_secs`; true when
    /// `holder` holds it. Hosts use it so one of them runs a periodic job at a time.
    pub async fn take_lease(&self, name: &str, holder: &str, ttl_secs: i64) -> Result<bool> {
        self.coordinator
            .lease(name, holder, self.clock.now(), ttl_secs)
            .await
    }
}
