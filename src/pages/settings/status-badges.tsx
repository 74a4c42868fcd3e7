import { Badge } from "@/components/ui/badge";
import { useI18n } from "@/lib/i18n/i18n-context";
import { cn } from "@/lib/utils";
import type { BackupRunStatus, DestinationStatus } from "@/data/backups/types";
import { destinationPresentation, runStatusPresentation, type BadgePresentation } from "./run-presentation";

function PresentationBadge({
  presentation,
  className,
}: {
  presentation: BadgePresentation;
  className?: string;
}) {
  const { t } = useI18n();
  const Icon = presentation.icon;
  return (
    <Badge variant={presentation.variant} className={className}>
      <Icon aria-hidden="true" className={cn(presentation.spinning && "animate-spin")} />
      {t(presentation.label)}
    </Badge>
  );
}

export function RunStatusBadge({ status, className }: { status: BackupRunStatus; className?: string }) {
  return <PresentationBadge presentation={runStatusPresentation(status)} className={className} />;
}

export function DestinationBadge({ status, className }: { status: DestinationStatus; className?: string }) {
  return <PresentationBadge presentation={destinationPresentation(status)} className={className} />;
}
