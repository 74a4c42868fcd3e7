// French, the reference dictionary: its keys define `TranslationKey`, and every other language must
// provide exactly the same keys (enforced by the `Dictionary` type and by a test).
// Placeholders are written {name}; plural forms end in `.one` / `.other` (Intl.PluralRules categories).

export const fr = {
  "app.title": "Sauvegardes OneDrive",
  "app.skipToContent": "Aller au contenu",
  "app.configError.title": "L'application n'est pas configurée",
  "app.notFound.title": "Page introuvable",
  "app.notFound.back": "Retour aux paramètres",
  "app.crash.title": "Une erreur inattendue est survenue",
  "app.crash.reload": "Recharger la page",

  "header.language": "Langue",
  "header.theme.toDark": "Passer au thème sombre",
  "header.theme.toLight": "Passer au thème clair",
  "header.signOut": "Se déconnecter",
  "header.signedInAs": "Connecté : {email}",
  "header.signOutFailed": "Impossible de se déconnecter : {message}",

  "login.title": "Connexion",
  "login.description": "Connectez-vous pour suivre et lancer les sauvegardes de votre application.",
  "login.email": "Adresse e-mail",
  "login.password": "Mot de passe",
  "login.submit": "Se connecter",
  "login.submitting": "Connexion…",
  "login.invalidCredentials": "Adresse e-mail ou mot de passe incorrect.",
  "login.failed": "Connexion impossible : {message}",

  "settings.title": "Paramètres",
  "settings.backup.title": "Sauvegarde OneDrive",
  "settings.backup.description":
    "Copie complète de la base de données de l'application dans le stockage Supabase et dans votre dossier OneDrive ou SharePoint, à la demande ou selon un calendrier.",

  "rights.checking": "Vérification de vos droits…",
  "rights.title": "Droits d'administrateur requis",
  "rights.description":
    "Seuls les administrateurs de l'application peuvent consulter et lancer les sauvegardes. Demandez à un administrateur de vous attribuer le rôle « admin ».",
  "rights.error": "Impossible de vérifier vos droits",

  "status.running": "En cours",
  "status.success": "Réussie",
  "status.partial": "Partielle",
  "status.failed": "Échec",

  "phase.starting": "Démarrage",
  "phase.exporting": "Export de la base de données",
  "phase.storing": "Copie dans le stockage Supabase",
  "phase.uploading": "Envoi vers OneDrive",
  "phase.verifying": "Vérification des copies",
  "phase.pruning": "Suppression des anciennes sauvegardes",

  "destination.storage": "Stockage Supabase",
  "destination.onedrive": "OneDrive",
  "destinationStatus.pending": "En attente",
  "destinationStatus.running": "En cours",
  "destinationStatus.success": "Copie vérifiée",
  "destinationStatus.failed": "Échec",
  "destinationStatus.skipped": "Ignoré",

  "trigger.manual": "Manuelle",
  "trigger.schedule": "Planifiée",
  "trigger.cli": "Ligne de commande",

  "lastRun.title": "Dernière sauvegarde",
  "lastRun.description": "État de la sauvegarde la plus récente.",
  "lastRun.loadError": "Impossible de charger la dernière sauvegarde",
  "lastRun.empty.title": "Aucune sauvegarde pour l'instant",
  "lastRun.empty.description":
    "Lancez la première : le fichier sera copié dans le stockage Supabase et dans votre dossier OneDrive.",
  "lastRun.startedAt": "Démarrée {time}",
  "lastRun.duration": "Durée",
  "lastRun.size": "Taille",
  "lastRun.rows": "Lignes",
  "lastRun.tables": "Tables",
  "lastRun.running": "Sauvegarde en cours : {phase}",
  "lastRun.uploadedOf": "{uploaded} envoyés sur {total}",
  "lastRun.uploaded": "{uploaded} envoyés",
  "lastRun.onedriveSkipped":
    "OneDrive n'est pas configuré : la sauvegarde est seulement dans le stockage Supabase.",
  "lastRun.finishedLive": "Sauvegarde terminée : {status}",

  "failure.failed": "La sauvegarde a échoué",
  "failure.partial": "Sauvegarde incomplète : une seule destination a une copie vérifiée",
  "failure.noMessage": "Aucun message d'erreur n'a été enregistré.",
  "failure.whatToDo": "Que faire",
  "failure.code": "Code : {code}",

  "advice.onedriveOnly":
    "La copie dans le stockage Supabase est vérifiée ; seul l'envoi vers OneDrive a échoué. Corrigez la cause ci-dessus puis relancez la sauvegarde.",
  "advice.storageOnly":
    "La copie OneDrive est vérifiée ; seule la copie dans le stockage Supabase a échoué. Vérifiez que le bucket « backups » existe et qu'il reste de la place, puis relancez.",
  "advice.credentials":
    "Vérifiez AZURE_TENANT_ID, AZURE_CLIENT_ID et AZURE_CLIENT_SECRET dans les secrets de la fonction : collez la valeur du secret (pas son identifiant) et renouvelez-le s'il a expiré.",
  "advice.permission":
    "Donnez à l'application Azure la permission Sites.ReadWrite.All (ou Files.ReadWrite.All) et accordez le consentement administrateur.",
  "advice.folder":
    "Vérifiez ONEDRIVE_BACKUP_LINK : ce doit être un lien de partage vers un dossier OneDrive Entreprise ou SharePoint (les liens OneDrive personnels ne fonctionnent pas).",
  "advice.quota":
    "L'espace de destination est plein : libérez de la place ou réduisez BACKUP_RETENTION_COUNT.",
  "advice.timeout":
    "La sauvegarde s'est arrêtée sans se terminer (durée maximale de la fonction dépassée ?). Pour une grosse base, lancez `npm run backup` depuis un poste ou un serveur.",
  "advice.database":
    "L'export de la base a échoué : vérifiez SUPABASE_DB_URL et que les schémas de BACKUP_SCHEMAS existent.",
  "advice.configuration":
    "Un réglage de la fonction est invalide : le message ci-dessus nomme la variable à corriger dans les secrets de la fonction.",
  "advice.generic":
    "Lancez « Tester la connexion » pour trouver le réglage en cause, corrigez-le dans les secrets de la fonction, puis relancez la sauvegarde.",

  "actions.backupNow": "Sauvegarder maintenant",
  "actions.backupRunning": "Sauvegarde en cours…",
  "actions.starting": "Lancement…",
  "actions.testConnection": "Tester la connexion",
  "actions.testing": "Test en cours…",
  "actions.openInOneDrive": "Ouvrir dans OneDrive",
  "actions.download": "Télécharger",
  "actions.preparingDownload": "Préparation…",
  "actions.retry": "Réessayer",

  "toast.backupStarted": "Sauvegarde lancée",
  "toast.backupStartedDescription": "Suivez sa progression sur cette page.",
  "toast.alreadyRunning": "Une sauvegarde est déjà en cours",
  "toast.alreadyRunningDescription": "Attendez la fin de la sauvegarde en cours avant d'en lancer une autre.",
  "toast.backupFailed": "Impossible de lancer la sauvegarde",
  "toast.rateLimited": "Trop tôt pour une nouvelle sauvegarde",
  "toast.rateLimitedDescription":
    "Une sauvegarde a commencé ou s'est terminée il y a moins d'une minute. Réessayez dans {seconds} s.",
  "toast.runSuccess": "Sauvegarde terminée",
  "toast.runPartial": "Sauvegarde partielle : une destination a échoué",
  "toast.runFailed": "La sauvegarde a échoué",
  "toast.testPassed": "Connexion vérifiée : tout fonctionne",
  "toast.testProblems.one": "Test terminé : {count} vérification en échec",
  "toast.testProblems.other": "Test terminé : {count} vérifications en échec",
  "toast.testFailed": "Impossible de tester la connexion",
  "toast.downloadFailed": "Impossible de préparer le téléchargement",
  "toast.scheduleSaved": "Planification enregistrée",
  "toast.scheduleRemoved": "Sauvegarde automatique désactivée",
  "toast.scheduleFailed": "Impossible d'enregistrer la planification",

  "test.title": "Test de la connexion",
  "test.description": "Vérifie les réglages et l'accès aux destinations, sans écrire de sauvegarde.",
  "test.ok": "Réussi",
  "test.failed": "Échec",
  "test.summary.one": "{passed} vérification réussie sur {count}",
  "test.summary.other": "{passed} sur {count} vérifications réussies",
  "test.none": "La fonction n'a renvoyé aucune vérification.",
  "check.configuration": "Configuration",
  "check.token": "Jeton Microsoft",
  "check.folder": "Dossier OneDrive",
  "check.write": "Droit d'écriture",
  "check.bucket": "Bucket de stockage",
  "check.database": "Base de données",
  "check.mail": "Envoi d'e-mail",
  "check.linkScope": "Qui le lien de partage laisse entrer",

  "config.title": "Configuration",
  "config.description":
    "Réglages lus dans les secrets de la fonction : seule leur présence est affichée, jamais leur valeur.",
  "config.loadError": "Impossible de lire la configuration",
  "config.azure": "Application Azure (Entra ID)",
  "config.destination": "Dossier de destination",
  "config.alertWebhook": "Alerte par webhook",
  "config.alertEmail": "Alerte par e-mail",
  "config.cronSecret": "Secret du planificateur",
  "config.configured": "Configuré",
  "config.notConfigured": "Non configuré",
  "config.destinationLink": "Lien de partage",
  "config.destinationIds": "Identifiants de drive et de dossier",
  "config.folderName": "Dossier « {name} »",
  "config.onedriveDisabled":
    "Envoi vers OneDrive désactivé : aucun réglage Azure. Les sauvegardes sont seulement copiées dans le stockage Supabase.",
  "config.problems": "Réglages à corriger",
  "config.scheduleError": "Impossible de lire la planification : {message}",
  "config.compression": "Compression",
  "config.compressionNone": "Aucune",
  "config.retention": "Conservation",
  "config.retentionAll": "Toutes les sauvegardes",
  "config.retentionCount.one": "La plus récente",
  "config.retentionCount.other": "Les {count} plus récentes",
  "config.retentionPolicy": "{tiers} ; {last} ; {minAge}",
  "config.retentionTiers":
    "Une par jour sur {daily} jours, une par semaine sur {weekly} semaines, une par mois sur {monthly} mois",
  "config.retentionLast.one": "toujours la plus récente",
  "config.retentionLast.other": "toujours les {count} plus récentes",
  "config.retentionMinAge.one": "rien n'est supprimé avant 1 jour",
  "config.retentionMinAge.other": "rien n'est supprimé avant {count} jours",
  "config.schemas": "Schémas exportés",
  "config.schedule": "Planification",
  "config.notScheduled": "Non planifiée",
  "config.nextRun": "Prochaine exécution : {date}",

  "schedule.title": "Sauvegarde automatique",
  "schedule.description":
    "Choisissez quand la sauvegarde se lance toute seule. Heures dans votre fuseau ({timeZone}).",
  "schedule.frequency": "Fréquence",
  "schedule.off": "Désactivée",
  "schedule.daily": "Tous les jours",
  "schedule.weekly": "Chaque semaine",
  "schedule.day": "Jour",
  "schedule.time": "Heure",
  "schedule.save": "Enregistrer",
  "schedule.saving": "Enregistrement…",
  "schedule.summaryOff": "Aucune sauvegarde automatique.",
  "schedule.summaryDaily": "Tous les jours à {time}",
  "schedule.summaryWeekly": "Chaque {weekday} à {time}",
  "schedule.custom": "Expression personnalisée (UTC) : {cron}",
  "schedule.utcNote": "Enregistré en UTC : {cron}",
  "schedule.nextRun": "Prochaine sauvegarde : {date}",
  "schedule.dstNote":
    "L'heure est convertie en UTC à l'enregistrement ; après un changement d'heure, enregistrez à nouveau pour la garder.",
  "schedule.tooFrequent":
    "Cette planification s'exécute plus d'une fois par heure ({cron}, UTC), or les sauvegardes ont lieu au plus une fois par heure : choisissez une planification quotidienne ou hebdomadaire et enregistrez-la.",
  "schedule.invalidTime": "Indiquez une heure valide.",

  "history.title": "Historique",
  "history.description": "Toutes les sauvegardes, de la plus récente à la plus ancienne.",
  "history.loadError": "Impossible de charger l'historique",
  "history.empty": "Aucune sauvegarde pour l'instant : lancez la première.",
  "history.started": "Démarrée",
  "history.trigger": "Origine",
  "history.status": "État",
  "history.duration": "Durée",
  "history.size": "Taille",
  "history.rows": "Lignes",
  "history.storage": "Stockage",
  "history.onedrive": "OneDrive",
  "history.details": "Détails",
  "history.showDetails": "Afficher le détail de la sauvegarde du {date}",
  "history.hideDetails": "Masquer le détail de la sauvegarde du {date}",
  "history.range": "{from}–{to} sur {total}",
  "history.page": "Page {page} sur {pages}",
  "history.previous": "Précédente",
  "history.next": "Suivante",
  "history.pagination": "Pages de l'historique",

  "details.deletedByRetention": "Supprimée par la conservation le {date}",
  "details.file": "Fichier",
  "details.finishedAt": "Terminée",
  "details.storagePath": "Chemin dans le stockage",
  "details.sha256": "SHA-256",
  "details.quickXorHash": "QuickXorHash",
  "details.error": "Erreur",
  "details.tables": "Lignes par table",
  "details.table": "Table",
  "details.rows": "Lignes",
  "details.noTables": "Aucune table enregistrée pour cette sauvegarde.",
  "details.notFinished": "Pas encore terminée",
} as const satisfies Record<string, string>;

/** Every key of the app's text. */
export type TranslationKey = keyof typeof fr;

/** A complete translation: exactly the keys of the French dictionary. */
export type Dictionary = { readonly [K in TranslationKey]: string };
