# Written by `iamdsl export --format terraform` from permission_boundary.iam.
# Account dev (123456789012): apply with credentials for this account.

terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.80"
    }
  }
}

provider "aws" {
  region              = "us-east-1"
  allowed_account_ids = ["123456789012"]
}

resource "aws_iam_policy" "DevBoundary" {
  name = "DevBoundary"
  path = "/"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "AppServices"
        Effect   = "Allow"
        Action   = ["s3:*", "dynamodb:*", "sqs:*", "sns:*", "logs:*", "cloudwatch:*", "xray:*"]
        Resource = "*"
      },
      {
        Sid    = "CreateRolesOnlyWithThisBoundary"
        Effect = "Allow"
        Action = [
          "iam:CreateRole",
          "iam:PutRolePermissionsBoundary",
          "iam:AttachRolePolicy",
          "iam:DetachRolePolicy",
          "iam:PutRolePolicy",
          "iam:DeleteRolePolicy",
        ]
        Resource = "arn:aws:iam::123456789012:role/app/*"
        Condition = {
          ArnEquals = {
            "iam:PermissionsBoundary" = "arn:aws:iam::123456789012:policy/DevBoundary"
          }
        }
      },
      {
        Sid      = "PassAppRolesToComputeOnly"
        Effect   = "Allow"
        Action   = "iam:PassRole"
        Resource = "arn:aws:iam::123456789012:role/app/*"
        Condition = {
          StringEquals = {
            "iam:PassedToService" = ["lambda.amazonaws.com", "ecs-tasks.amazonaws.com"]
          }
        }
      },
    ]
  })
}

resource "aws_iam_policy" "DeveloperAccess" {
  name = "DeveloperAccess"
  path = "/"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect = "Allow"
        Action = [
          "s3:*",
          "dynamodb:*",
          "sqs:*",
          "sns:*",
          "logs:*",
          "cloudwatch:*",
          "xray:*",
          "lambda:*",
          "ecs:*",
        ]
        Resource = "*"
      },
      {
        Sid    = "CreateRolesOnlyWithBoundary"
        Effect = "Allow"
        Action = [
          "iam:CreateRole",
          "iam:PutRolePermissionsBoundary",
          "iam:AttachRolePolicy",
          "iam:DetachRolePolicy",
          "iam:PutRolePolicy",
          "iam:DeleteRolePolicy",
        ]
        Resource = "arn:aws:iam::123456789012:role/app/*"
        Condition = {
          ArnEquals = {
            "iam:PermissionsBoundary" = "arn:aws:iam::123456789012:policy/DevBoundary"
          }
        }
      },
      {
        Sid    = "ManageAppRoles"
        Effect = "Allow"
        Action = [
          "iam:GetRole",
          "iam:DeleteRole",
          "iam:TagRole",
          "iam:UntagRole",
          "iam:UpdateAssumeRolePolicy",
        ]
        Resource = "arn:aws:iam::123456789012:role/app/*"
      },
      {
        Effect   = "Allow"
        Action   = ["iam:ListRoles", "iam:ListPolicies", "iam:GetPolicy", "iam:GetPolicyVersion"]
        Resource = "*"
      },
      {
        Sid      = "PassAppRolesToComputeOnly"
        Effect   = "Allow"
        Action   = "iam:PassRole"
        Resource = "arn:aws:iam::123456789012:role/app/*"
        Condition = {
          StringEquals = {
            "iam:PassedToService" = ["lambda.amazonaws.com", "ecs-tasks.amazonaws.com"]
          }
        }
      },
      {
        Sid         = "PassNothingElse"
        Effect      = "Deny"
        Action      = "iam:PassRole"
        NotResource = "arn:aws:iam::123456789012:role/app/*"
      },
      {
        Sid      = "NoBoundaryRemoval"
        Effect   = "Deny"
        Action   = ["iam:DeleteRolePermissionsBoundary", "iam:DeleteUserPermissionsBoundary"]
        Resource = "*"
      },
      {
        Sid    = "NoBoundaryEdits"
        Effect = "Deny"
        Action = [
          "iam:CreatePolicyVersion",
          "iam:DeletePolicy",
          "iam:DeletePolicyVersion",
          "iam:SetDefaultPolicyVersion",
        ]
        Resource = "arn:aws:iam::123456789012:policy/DevBoundary"
      },
      {
        Sid    = "OwnCredentials"
        Effect = "Allow"
        Action = [
          "iam:ChangePassword",
          "iam:CreateAccessKey",
          "iam:DeleteAccessKey",
          "iam:ListAccessKeys",
          "iam:GetUser",
        ]
        Resource = "arn:aws:iam::123456789012:user/$${aws:username}"
      },
    ]
  })
}

resource "aws_iam_group" "Developers" {
  name = "Developers"
  path = "/"
}

resource "aws_iam_group_policy_attachment" "Developers_DeveloperAccess" {
  group      = aws_iam_group.Developers.name
  policy_arn = aws_iam_policy.DeveloperAccess.arn
}

resource "aws_iam_user" "alice" {
  name = "alice"
  path = "/"
  tags = {
    team = "orders"
  }
}

resource "aws_iam_user_group_membership" "alice" {
  user   = aws_iam_user.alice.name
  groups = [aws_iam_group.Developers.name]
}

resource "aws_iam_user" "bob" {
  name = "bob"
  path = "/"
  tags = {
    team = "payments"
  }
}

resource "aws_iam_user_group_membership" "bob" {
  user   = aws_iam_user.bob.name
  groups = [aws_iam_group.Developers.name]
}

resource "aws_iam_role" "orders_api" {
  name = "orders_api"
  path = "/app/"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect = "Allow"
        Principal = {
          Service = "lambda.amazonaws.com"
        }
        Action = "sts:AssumeRole"
      },
    ]
  })
  permissions_boundary = aws_iam_policy.DevBoundary.arn
  tags = {
    team         = "orders"
    "created-by" = "alice"
  }
}

resource "aws_iam_role_policy" "orders_api_TooBroad" {
  name = "TooBroad"
  role = aws_iam_role.orders_api.name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect   = "Allow"
        Action   = "*"
        Resource = "*"
      },
    ]
  })
}
