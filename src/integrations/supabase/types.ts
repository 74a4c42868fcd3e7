// Database types for the objects this project owns, in the shape `supabase gen types typescript` emits,
// so the app can switch to generated types of the whole project without changing its imports.

export type Json = string | number | boolean | null | { [key: string]: Json | undefined } | Json[];

export type Database = {
  public: {
    Tables: {
      backup_runs: {
        Row: {
          id: string;
          trigger: Database["public"]["Enums"]["backup_trigger"];
          requested_by: string | null;
          status: Database["public"]["Enums"]["backup_status"];
          phase: Database["public"]["Enums"]["backup_phase"] | null;
          started_at: string;
          heartbeat_at: string | null;
          finished_at: string | null;
          file_name: string | null;
          size_bytes: number | null;
          row_count: number | null;
          table_count: number | null;
          tables: Json | null;
          sha256: string | null;
          quick_xor_hash: string | null;
          storage_path: string | null;
          storage_status: Database["public"]["Enums"]["backup_destination_status"];
          onedrive_status: Database["public"]["Enums"]["backup_destination_status"];
          onedrive_item_id: string | null;
          onedrive_web_url: string | null;
          bytes_uploaded: number | null;
          error: string | null;
          error_code: string | null;
          storage_deleted_at: string | null;
          onedrive_deleted_at: string | null;
          onedrive_drive_id: string | null;
        };
        Insert: {
          id?: string;
          trigger: Database["public"]["Enums"]["backup_trigger"];
          requested_by?: string | null;
          status?: Database["public"]["Enums"]["backup_status"];
          phase?: Database["public"]["Enums"]["backup_phase"] | null;
          started_at?: string;
          heartbeat_at?: string | null;
          finished_at?: string | null;
          file_name?: string | null;
          size_bytes?: number | null;
          row_count?: number | null;
          table_count?: number | null;
          tables?: Json | null;
          sha256?: string | null;
          quick_xor_hash?: string | null;
          storage_path?: string | null;
          storage_status?: Database["public"]["Enums"]["backup_destination_status"];
          onedrive_status?: Database["public"]["Enums"]["backup_destination_status"];
          onedrive_item_id?: string | null;
          onedrive_web_url?: string | null;
          bytes_uploaded?: number | null;
          error?: string | null;
          error_code?: string | null;
          storage_deleted_at?: string | null;
          onedrive_deleted_at?: string | null;
          onedrive_drive_id?: string | null;
        };
        Update: Partial<Database["public"]["Tables"]["backup_runs"]["Insert"]>;
        Relationships: [];
      };
      user_roles: {
        Row: { id: string; user_id: string; role: Database["public"]["Enums"]["app_role"] };
        Insert: { id?: string; user_id: string; role: Database["public"]["Enums"]["app_role"] };
        Update: { id?: string; user_id?: string; role?: Database["public"]["Enums"]["app_role"] };
        Relationships: [];
      };
    };
    Views: { [_ in never]: never };
    Functions: {
      can_manage_backups: { Args: never; Returns: boolean };
      has_role: {
        Args: { _user_id: string; _role: Database["public"]["Enums"]["app_role"] };
        Returns: boolean;
      };
    };
    // The status columns are text with check constraints in the migration; these unions mirror them.
    Enums: {
      app_role: "admin" | "moderator" | "user";
      backup_trigger: "manual" | "schedule" | "cli";
      backup_status: "running" | "success" | "partial" | "failed";
      backup_phase: "exporting" | "storing" | "uploading" | "verifying" | "pruning";
      backup_destination_status: "pending" | "running" | "success" | "failed" | "skipped";
    };
    CompositeTypes: { [_ in never]: never };
  };
};

type PublicSchema = Database["public"];

export type Tables<T extends keyof PublicSchema["Tables"]> = PublicSchema["Tables"][T]["Row"];
export type TablesInsert<T extends keyof PublicSchema["Tables"]> = PublicSchema["Tables"][T]["Insert"];
export type TablesUpdate<T extends keyof PublicSchema["Tables"]> = PublicSchema["Tables"][T]["Update"];
export type Enums<T extends keyof PublicSchema["Enums"]> = PublicSchema["Enums"][T];

export const Constants = {
  public: {
    Enums: {
      app_role: ["admin", "moderator", "user"],
      backup_trigger: ["manual", "schedule", "cli"],
      backup_status: ["running", "success", "partial", "failed"],
      backup_phase: ["exporting", "storing", "uploading", "verifying", "pruning"],
      backup_destination_status: ["pending", "running", "success", "failed", "skipped"],
    },
  },
} as const;
