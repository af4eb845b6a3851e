"""From an empty account to push-ready, per environment: a Conversations Service, the APNs and FCM push
credentials the app's access tokens name, and the service's notification settings.

Each stack's Pulumi.<stack>.yaml holds its account and the credentials' secrets, encrypted. The stack's
name decides the APNs endpoint: the sandbox everywhere but prod. The service is protected from deletion
(deletion_protection, on by default): `pulumi destroy` fails at its preview, deleting nothing.
"""

import pulumi

from pulumi_twilio_conversations import Credential, NewMessage, Service, ServiceNotifications

cfg = pulumi.Config()
stack = pulumi.get_stack()

apns = Credential("ios", type="apn", certificate=cfg.require_secret("apnsCert"),
                  private_key=cfg.require_secret("apnsKey"), sandbox=stack != "prod")
fcm = Credential("android", type="fcm", secret=cfg.require_secret("fcmKey"))
svc = Service("support", friendly_name=f"support-{stack}")
ServiceNotifications("support-push", chat_service_sid=svc.sid, new_message=NewMessage(enabled=True))

# What the app server puts in the access tokens it makes (its push credential SIDs), and the service.
pulumi.export("apnsCredentialSid", apns.sid)
pulumi.export("fcmCredentialSid", fcm.sid)
pulumi.export("serviceSid", svc.sid)
